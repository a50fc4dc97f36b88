import { describe, expect, it } from "vitest";
import { CREDENTIAL_KINDS, LOCATION_CREDENTIAL_KINDS, LOCATION_KINDS } from "@/lib/schemas/locations";
import { credentialConfigOf, credentialTypeFor, providerFor, splitCredential } from "./registry";

// What every driver and credential kind must hold, whichever is added next.
describe("the provider registry", () => {
  it("has a driver for every location kind, using the credential kinds the forms offer", () => {
    for (const kind of LOCATION_KINDS) {
      const p = providerFor(kind);
      expect(p.kind).toBe(kind);
      expect(p.credentialKinds).toEqual(LOCATION_CREDENTIAL_KINDS[kind]);
      for (const c of p.credentialKinds) expect(CREDENTIAL_KINDS).toContain(c);
    }
  });

  it("seals every secret field of every credential kind, and keeps none of them in the clear", () => {
    const samples = {
      AWS_ACCESS_KEY: { kind: "AWS_ACCESS_KEY", accessKeyId: "AKIAEXAMPLE", secretAccessKey: "wJalr/secret" },
      AZURE_STORAGE_KEY: {
        kind: "AZURE_STORAGE_KEY",
        accountName: "acme",
        cloud: "AzurePublicCloud",
        blobEndpoint: "",
        accountKey: "c2VjcmV0",
      },
    } as const;
    for (const kind of CREDENTIAL_KINDS) {
      const type = credentialTypeFor(kind);
      const sample = samples[kind];
      const { sealed, config } = splitCredential(sample);
      expect(Object.keys(JSON.parse(sealed)).sort()).toEqual([...type.sealedFields].sort());
      for (const f of type.sealedFields) expect(JSON.stringify(config)).not.toContain(String(sample[f as never]));
      expect(credentialConfigOf(config).kind).toBe(kind);
    }
  });

  it("refuses a kind it does not know, as one read from a newer database would be", () => {
    expect(() => providerFor("GCS" as never)).toThrow(/no driver for GCS/);
    expect(() => credentialTypeFor("GCP_KEY" as never)).toThrow(/does not know GCP_KEY/);
  });
});
