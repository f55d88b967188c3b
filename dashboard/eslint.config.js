import js from "@eslint/js";
import tseslint from "typescript-eslint";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";

export default tseslint.config(
  { ignores: ["dist", "test-results", "src/lib/api/schema.d.ts"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["src/**/*.{ts,tsx}"],
    plugins: { "react-hooks": reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      "@typescript-eslint/no-explicit-any": "off",
      // The app is not built with the React Compiler; TanStack Virtual's hook is fine without it.
      "react-hooks/incompatible-library": "off",
    },
  },
  // The benchmark script runs in Node and hands functions to the browser.
  { files: ["bench/**/*.mjs"], languageOptions: { globals: { ...globals.node, ...globals.browser } } },
  // Browser tests read API answers loosely.
  { files: ["e2e/**/*.ts"], rules: { "@typescript-eslint/no-explicit-any": "off" } },
);
