import type { KObject } from "./types";

// Pod Security admission as the apiserver's built-in plugin enforces it on Pod create: the namespace's
// pod-security.kubernetes.io/enforce label picks the level (no label: privileged, the default configuration), and a pod
// that breaks the level is refused with the checks it failed, worded as the real plugin words them. Only enforce is
// applied (audit and warn add nothing a test could observe here). Controllers create pods through the same path, so a
// DaemonSet in a "baseline" namespace gets FailedCreate events, as on a real cluster.

export type PodSecurityLevel = "privileged" | "baseline" | "restricted";

const LEVELS: PodSecurityLevel[] = ["privileged", "baseline", "restricted"];
const BASELINE_CAPABILITIES = new Set([
  "AUDIT_WRITE",
  "CHOWN",
  "DAC_OVERRIDE",
  "FOWNER",
  "FSETID",
  "KILL",
  "MKNOD",
  "NET_BIND_SERVICE",
  "SETFCAP",
  "SETGID",
  "SETPCAP",
  "SETUID",
  "SYS_CHROOT",
]);
const RESTRICTED_VOLUMES = new Set([
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "persistentVolumeClaim",
  "projected",
  "secret",
]);

const quote = (xs: string[]) => xs.map((x) => `"${x}"`).join(", ");
const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);

export function enforcedLevel(ns: KObject | undefined): { level: PodSecurityLevel; version: string } {
  const labels = ns?.metadata.labels ?? {};
  const level = labels["pod-security.kubernetes.io/enforce"] as PodSecurityLevel | undefined;
  return {
    level: level && LEVELS.includes(level) ? level : "privileged",
    version: labels["pod-security.kubernetes.io/enforce-version"] ?? "latest",
  };
}

/** The checks a pod spec fails at a level, each as the plugin prints it ("hostPath volumes (volumes "a", "b")"). */
export function podSecurityViolations(spec: any, level: PodSecurityLevel): string[] {
  if (level === "privileged" || !spec) return [];
  const containers: any[] = [
    ...(spec.initContainers ?? []),
    ...(spec.containers ?? []),
    ...(spec.ephemeralContainers ?? []),
  ];
  const out: string[] = [];
  const named = (pred: (c: any) => boolean) => containers.filter(pred).map((c) => c.name as string);
  const containerList = (names: string[]) => `${plural(names.length, "container", "containers")} ${quote(names)}`;

  const hostNs = (["hostNetwork", "hostPID", "hostIPC"] as const).filter((k) => spec[k] === true);
  if (hostNs.length) out.push(`host namespaces (${hostNs.map((k) => `${k}=true`).join(", ")})`);
  const privileged = named((c) => c.securityContext?.privileged === true);
  if (privileged.length)
    out.push(`privileged (${containerList(privileged)} must not set securityContext.privileged=true)`);
  // Restricted allows adding only NET_BIND_SERVICE; baseline its default set.
  const allowedCap = (x: string) => (level === "restricted" ? x === "NET_BIND_SERVICE" : BASELINE_CAPABILITIES.has(x));
  const caps = containers.flatMap((c) =>
    (c.securityContext?.capabilities?.add ?? []).filter((x: string) => !allowedCap(x)).length ? [c] : [],
  );
  if (caps.length) {
    const added = [
      ...new Set(caps.flatMap((c) => c.securityContext.capabilities.add.filter((x: string) => !allowedCap(x)))),
    ];
    out.push(
      `non-default capabilities (${containerList(caps.map((c) => c.name))} must not include ${quote(added)} in securityContext.capabilities.add)`,
    );
  }
  const unconfined = [spec.securityContext, ...containers.map((c) => c.securityContext)].some(
    (sc: any) => sc?.seccompProfile?.type === "Unconfined",
  );
  if (unconfined)
    out.push('seccompProfile (pod or containers must not set securityContext.seccompProfile.type to "Unconfined")');
  const hostPaths = (spec.volumes ?? []).filter((v: any) => v.hostPath).map((v: any) => v.name as string);
  if (hostPaths.length)
    out.push(`hostPath volumes (${plural(hostPaths.length, "volume", "volumes")} ${quote(hostPaths)})`);
  const hostPorts = containers.flatMap((c) =>
    (c.ports ?? []).filter((p: any) => p.hostPort).map((p: any) => p.hostPort),
  );
  if (hostPorts.length)
    out.push(
      `hostPort (${containerList(named((c) => (c.ports ?? []).some((p: any) => p.hostPort)))} ${plural(hostPorts.length, "uses", "use")} ${plural(hostPorts.length, "hostPort", "hostPorts")} ${hostPorts.join(", ")})`,
    );
  if (level !== "restricted") return out;

  const other = (spec.volumes ?? []).filter(
    (v: any) => !v.hostPath && !Object.keys(v).some((k) => k !== "name" && RESTRICTED_VOLUMES.has(k)),
  );
  if (other.length || hostPaths.length) {
    const all = [...hostPaths, ...other.map((v: any) => v.name)];
    const types = [
      ...new Set([
        ...(hostPaths.length ? ["hostPath"] : []),
        ...other.map((v: any) => Object.keys(v).find((k) => k !== "name")!),
      ]),
    ];
    out.push(
      `restricted volume types (${plural(all.length, "volume", "volumes")} ${quote(all)} ${plural(all.length, "uses", "use")} restricted volume ${plural(types.length, "type", "types")} ${quote(types)})`,
    );
  }
  const escalation = named((c) => c.securityContext?.allowPrivilegeEscalation !== false);
  if (escalation.length)
    out.push(
      `allowPrivilegeEscalation != false (${containerList(escalation)} must set securityContext.allowPrivilegeEscalation=false)`,
    );
  const dropAll = named((c) => !(c.securityContext?.capabilities?.drop ?? []).includes("ALL"));
  if (dropAll.length)
    out.push(
      `unrestricted capabilities (${containerList(dropAll)} must set securityContext.capabilities.drop=["ALL"])`,
    );
  const podNonRoot = spec.securityContext?.runAsNonRoot === true;
  const rootish = named((c) =>
    c.securityContext?.runAsNonRoot === false ? true : !podNonRoot && c.securityContext?.runAsNonRoot !== true,
  );
  if (rootish.length)
    out.push(`runAsNonRoot != true (pod or ${containerList(rootish)} must set securityContext.runAsNonRoot=true)`);
  const uid0 = named((c) => (c.securityContext?.runAsUser ?? spec.securityContext?.runAsUser) === 0);
  if (uid0.length) out.push(`runAsUser=0 (${containerList(uid0)} must not set runAsUser=0)`);
  const podSeccomp = spec.securityContext?.seccompProfile?.type;
  const okSeccomp = (t: string | undefined) => t === "RuntimeDefault" || t === "Localhost";
  const seccomp = named((c) => !okSeccomp(c.securityContext?.seccompProfile?.type ?? podSeccomp));
  if (seccomp.length)
    out.push(
      `seccompProfile (pod or ${containerList(seccomp)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")`,
    );
  return out;
}

/** The 403 message for a refused pod, or null when the namespace's level admits it. */
export function podSecurityRefusal(pod: KObject, ns: KObject | undefined): string | null {
  const { level, version } = enforcedLevel(ns);
  const v = podSecurityViolations((pod as any).spec, level);
  if (!v.length) return null;
  return `pods "${pod.metadata.name}" is forbidden: violates PodSecurity "${level}:${version}": ${v.join(", ")}`;
}
