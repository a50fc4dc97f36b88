"use client";
import { useState } from "react";
import { useLiveInterval } from "@/components/common/LiveUpdates";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Button from "@mui/material/Button";
import Chip from "@mui/material/Chip";
import Paper from "@mui/material/Paper";
import Table from "@mui/material/Table";
import TableBody from "@mui/material/TableBody";
import TableCell from "@mui/material/TableCell";
import TableRow from "@mui/material/TableRow";
import TableHead from "@mui/material/TableHead";
import Typography from "@mui/material/Typography";
import Alert from "@mui/material/Alert";
import Checkbox from "@mui/material/Checkbox";
import FormControlLabel from "@mui/material/FormControlLabel";
import { useTRPC } from "@/lib/trpc/client";
import { PageHeader } from "../common/PageHeader";
import { DetailsTable } from "../common/DetailsTable";
import { ErrorAlert } from "../common/ErrorAlert";
import { DetailSkeleton } from "../common/LoadingSkeletons";
import { NotFoundState } from "../common/NotFoundState";
import { ConfirmDialog } from "../common/ConfirmDialog";
import { RelativeTime } from "../common/RelativeTime";
import { ConnectionState } from "./ConnectionState";
import { VeleroCompatibility, VeleroSummary } from "./VeleroSummary";
import { DataProtection } from "../velero/DataProtection";
import Box from "@mui/material/Box";
import { deploymentChip } from "../protection/deployment-state";
import dynamic from "next/dynamic";

// The forms (react-hook-form, zod, the dialog) load when one is opened, not with the page.
const EditClusterDialog = dynamic(() => import("./EditClusterDialog").then((m) => m.EditClusterDialog), { ssr: false });
const MoveClusterDialog = dynamic(() => import("./MoveClusterDialog").then((m) => m.MoveClusterDialog), { ssr: false });
const ReplaceKubeconfigDialog = dynamic(
  () => import("./ReplaceKubeconfigDialog").then((m) => m.ReplaceKubeconfigDialog),
  { ssr: false },
);

export function ClusterDetail({ id }: { id: string }) {
  const trpc = useTRPC();
  // Updates are pushed (LiveUpdates); polling only while the stream is down.
  const live = useLiveInterval(15_000);
  const syncLive = useLiveInterval(5_000);
  const qc = useQueryClient();
  const router = useRouter();
  const q = useQuery({ ...trpc.cluster.get.queryOptions({ id }), refetchInterval: live });
  const [confirming, setConfirming] = useState(false);
  const [removeFromCluster, setRemoveFromCluster] = useState(false);
  const [editing, setEditing] = useState<"details" | "group" | "kubeconfig" | null>(null);
  const refresh = useMutation(
    trpc.cluster.refresh.mutationOptions({ onSuccess: (c) => qc.setQueryData(trpc.cluster.get.queryKey({ id }), c) }),
  );
  const detach = useMutation(
    trpc.cluster.detach.mutationOptions({
      onSuccess: async () => {
        await qc.invalidateQueries({ queryKey: trpc.cluster.list.queryKey() });
        router.push("/clusters");
      },
    }),
  );
  const sync = useQuery({ ...trpc.cluster.sync.queryOptions({ id }), refetchInterval: syncLive });
  const locations = useQuery({ ...trpc.location.list.queryOptions(), refetchInterval: live });
  if (q.isLoading) return <DetailSkeleton label="Loading the cluster" rows={10} />;
  if (q.error?.data?.code === "NOT_FOUND" || (!q.error && !q.data))
    return <NotFoundState kind="Cluster" back={{ href: "/clusters", label: "Back to Clusters" }} />;
  if (q.error || !q.data) return <ErrorAlert error={q.error} />;
  const c = q.data;
  const isAdmin = c.myRole === "CLUSTER_ADMIN";
  const here = (locations.data ?? []).flatMap((l) =>
    l.deployments.filter((x) => x.clusterId === id).map((x) => ({ ...x, location: l.name })),
  );
  const lacking = here.filter((x) => x.missingPlugin);
  const canRefresh = c.myRole === "CLUSTER_ADMIN" || c.myRole === "OPERATOR";
  const rows: [string, React.ReactNode][] = [
    ["Cluster group", c.groupName],
    ["API server", c.server],
    ["Context", c.contextName],
    ["Kubernetes", c.kubernetesVersion ?? "—"],
    ["Connection", <ConnectionState key="s" state={c.state} lastSeenAt={c.lastSeenAt} lastError={c.lastError} />],
    ["Last check", <RelativeTime key="t" date={c.lastCheckAt} />],
    ["Data protection", <VeleroSummary key="v" velero={c.velero} />],
    ["Velero plugins", c.velero?.plugins?.map((p) => `${p.name} (${p.kind})`).join(", ") || "—"],
    ["Velero and Kubernetes", <VeleroCompatibility key="k" kubernetes={c.kubernetesVersion} velero={c.velero} />],
    [
      "Target locations",
      here.length
        ? here.map((x) => (
            <Chip
              key={x.bslName}
              size="small"
              variant="outlined"
              color={deploymentChip(x).color}
              label={`${x.location}: ${deploymentChip(x).label}`}
              sx={{ mr: 0.5 }}
            />
          ))
        : "—",
    ],
    [
      "Labels",
      Object.entries(c.labels).map(([k, v]) => (
        <Chip key={k} size="small" variant="outlined" label={`${k}=${v}`} sx={{ mr: 0.5 }} />
      )),
    ],
    ["Your role", c.myRole ?? "—"],
  ];
  return (
    <>
      <PageHeader
        title={c.name}
        subtitle={c.description || undefined}
        actions={
          <>
            <Button variant="outlined" component={Link} href={`/clusters/${id}/backups`}>
              Backups
            </Button>
            <Button variant="outlined" component={Link} href={`/clusters/${id}/coverage`}>
              Coverage
            </Button>
            {canRefresh && (
              <Button onClick={() => refresh.mutate({ id })} disabled={refresh.isPending}>
                {refresh.isPending ? "Checking…" : "Check now"}
              </Button>
            )}
            {isAdmin && <Button onClick={() => setEditing("details")}>Edit</Button>}
            {isAdmin && <Button onClick={() => setEditing("group")}>Move</Button>}
            {isAdmin && <Button onClick={() => setEditing("kubeconfig")}>Replace kubeconfig</Button>}
            {isAdmin && (
              <Button color="error" variant="outlined" onClick={() => setConfirming(true)}>
                Detach
              </Button>
            )}
          </>
        }
      />
      <ErrorAlert error={refresh.error ?? detach.error} />
      {editing === "details" && <EditClusterDialog cluster={c} onClose={() => setEditing(null)} />}
      {editing === "group" && <MoveClusterDialog cluster={c} onClose={() => setEditing(null)} />}
      {editing === "kubeconfig" && <ReplaceKubeconfigDialog cluster={c} onClose={() => setEditing(null)} />}
      {c.insecureTls && (
        <Alert severity="warning" sx={{ mb: 2 }} data-testid="cluster-insecure-tls">
          The connection to {c.server} is not verified: its kubeconfig sets insecure-skip-tls-verify, so anyone on the
          network path could pose as this cluster and read its token and the storage keys Lifeboat writes there. Replace
          its kubeconfig with one that carries the server&apos;s certificate-authority-data.
        </Alert>
      )}
      {c.missingAccess.length > 0 && (
        <Alert severity="warning" sx={{ mb: 2 }}>
          Lifeboat lacks access it needs here: {c.missingAccess.join("; ")}
        </Alert>
      )}
      {c.lastError && (
        <Alert severity={c.state === "DISCONNECTED" ? "error" : "warning"} sx={{ mb: 2 }}>
          Last check failed ({c.failedChecks} in a row): {c.lastError}
        </Alert>
      )}
      {lacking.length > 0 && (
        <Alert severity="warning" sx={{ mb: 2 }} data-testid="cluster-missing-plugin">
          Velero here lacks a plugin its target locations need:{" "}
          {lacking.map((x) => `${x.location} needs ${x.missingPlugin}`).join("; ")}. Install it on this cluster (velero
          plugin add &lt;image&gt;:&lt;version&gt;); until then Velero keeps {lacking.length === 1 ? "it" : "them"}{" "}
          Unavailable.
        </Alert>
      )}
      <DetailsTable label="Cluster details" rows={rows} keyWidth={200} />
      <Box sx={{ mt: 3 }}>
        <DataProtection clusterId={id} clusterName={c.name} isAdmin={isAdmin} />
      </Box>
      <Typography variant="h6" component="h2" sx={{ mt: 3, mb: 1 }}>
        Live status
      </Typography>
      <Paper variant="outlined">
        <Table size="small" aria-label="Live status">
          <TableHead>
            <TableRow>
              <TableCell>Velero kind</TableCell>
              <TableCell>Last listed</TableCell>
              <TableCell>Last change seen</TableCell>
              <TableCell>State</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {!sync.data?.length && (
              <TableRow>
                <TableCell colSpan={4}>
                  {sync.isLoading
                    ? "Loading…"
                    : "Not followed yet: Lifeboat starts following Velero's objects here within moments of attaching."}
                </TableCell>
              </TableRow>
            )}
            {sync.data?.map((k) => (
              <TableRow key={k.kind} data-testid={`sync-${k.kind}`}>
                <TableCell>{k.kind}</TableCell>
                <TableCell>
                  <RelativeTime date={k.lastListAt} />
                </TableCell>
                <TableCell>
                  <RelativeTime date={k.lastEventAt} />
                </TableCell>
                <TableCell>
                  {k.lastError ? (
                    <Chip
                      size="small"
                      color="error"
                      variant="outlined"
                      label={k.lastError.length > 160 ? `${k.lastError.slice(0, 160)}…` : k.lastError}
                      title={k.lastError}
                    />
                  ) : (
                    <Chip size="small" color="success" variant="outlined" label="following" />
                  )}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Paper>
      <ConfirmDialog
        open={confirming}
        title={`Detach ${c.name}?`}
        confirmLabel="Detach cluster"
        destructive
        busy={detach.isPending}
        onClose={() => {
          setConfirming(false);
          detach.reset();
        }}
        onConfirm={() => detach.mutate({ id, removeFromCluster })}
      >
        Lifeboat forgets this cluster and its sealed kubeconfig, and its bindings are removed. Velero and its backups
        stay.
        <FormControlLabel
          sx={{ display: "flex", mt: 2 }}
          control={<Checkbox checked={removeFromCluster} onChange={(e) => setRemoveFromCluster(e.target.checked)} />}
          label={
            "Also remove what Lifeboat created in the cluster: its BackupStorageLocations and their credentials " +
            "Secrets, its Schedules and its storage-class ConfigMap"
          }
        />
        {detach.error && (
          <Alert severity="error" sx={{ mt: 2 }}>
            {detach.error.message}
          </Alert>
        )}
      </ConfirmDialog>
    </>
  );
}
