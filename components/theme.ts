"use client";
import { createTheme } from "@mui/material/styles";

export const theme = createTheme({
  cssVariables: { colorSchemeSelector: "class" },
  colorSchemes: {
    light: {
      palette: { primary: { main: "#0b5cad" }, secondary: { main: "#00796b" }, background: { default: "#f5f7fa" } },
    },
    dark: { palette: { primary: { main: "#6cb4ff" }, secondary: { main: "#4db6ac" } } },
  },
  typography: { fontFamily: "Roboto, system-ui, -apple-system, 'Segoe UI', sans-serif" },
  shape: { borderRadius: 8 },
  components: { MuiButton: { defaultProps: { disableElevation: true } } },
});
