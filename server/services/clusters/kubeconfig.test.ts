import { describe, expect, it } from "vitest";
import { sameServer } from "./kubeconfig";

describe("sameServer: is a replacement kubeconfig's API server the stored one?", () => {
  it("ignores a trailing slash and the host's case", () => {
    expect(sameServer("https://api.example.com:6443", "https://API.example.com:6443/")).toBe(true);
    expect(sameServer("https://10.0.0.1:6443/k8s/", "https://10.0.0.1:6443/k8s")).toBe(true);
  });
  it("tells another host, port, scheme or path apart", () => {
    expect(sameServer("https://api.example.com:6443", "https://api.example.org:6443")).toBe(false);
    expect(sameServer("https://api.example.com:6443", "https://api.example.com:443")).toBe(false);
    expect(sameServer("https://api.example.com", "http://api.example.com")).toBe(false);
    expect(sameServer("https://10.0.0.1/k8s/a", "https://10.0.0.1/k8s/b")).toBe(false);
  });
  it("treats the default port as written or not as the same", () => {
    expect(sameServer("https://api.example.com:443", "https://api.example.com")).toBe(true);
  });
});
