import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app/App";
import { loadConfig } from "./lib/config";
import { applyTheme, storedTheme } from "./app/theme";
import "./styles/theme.css";

applyTheme(storedTheme());
void loadConfig().then(() => {
  createRoot(document.getElementById("root")!).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
});
