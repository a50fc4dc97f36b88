import Box from "@mui/material/Box";
import Paper from "@mui/material/Paper";
import Skeleton from "@mui/material/Skeleton";

/** The shape of a detail page (its title, then a table of facts) while it loads, named for assistive technology. */
export function DetailSkeleton({ label, rows = 6 }: { label: string; rows?: number }) {
  return (
    <Box role="status" aria-label={label} aria-busy>
      <Skeleton variant="text" sx={{ fontSize: "2rem", width: 280, maxWidth: "100%", mb: 3 }} />
      <Paper variant="outlined" sx={{ p: 2 }}>
        {Array.from({ length: rows }, (_, i) => (
          <Box key={i} sx={{ display: "flex", gap: 2, py: 0.75 }}>
            <Skeleton sx={{ width: "30%" }} />
            <Skeleton sx={{ flex: 1 }} />
          </Box>
        ))}
      </Paper>
    </Box>
  );
}

/** The shape of a list of cards (target locations, cluster groups) while it loads, named for assistive technology. */
export function CardListSkeleton({ label, count = 2 }: { label: string; count?: number }) {
  return (
    <Box role="status" aria-label={label} aria-busy sx={{ display: "flex", flexDirection: "column", gap: 2 }}>
      {Array.from({ length: count }, (_, i) => (
        <Paper key={i} variant="outlined" sx={{ p: 2 }}>
          <Skeleton variant="text" sx={{ fontSize: "1.1rem", width: 200, maxWidth: "60%" }} />
          <Skeleton variant="text" sx={{ width: "80%" }} />
          <Box sx={{ display: "flex", gap: 1, mt: 1.5 }}>
            <Skeleton variant="rounded" width={120} height={24} />
            <Skeleton variant="rounded" width={120} height={24} />
          </Box>
        </Paper>
      ))}
    </Box>
  );
}
