// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", ".node-red/", "coverage/", ".tmp/", "bench/results/", "bench/.peers/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      eqeqeq: ["error", "always"],
      "no-console": "off",
    },
  },
  {
    files: ["scripts/**/*.js", "settings.js", "bench/**/*.js", "docker/**/*.js"],
    languageOptions: {
      sourceType: "commonjs",
      globals: { require: "readonly", module: "writable", process: "readonly", __dirname: "readonly", console: "readonly" },
    },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    files: ["nodes/shared/editor.js"],
    languageOptions: { sourceType: "script", globals: { window: "readonly", RED: "readonly", $: "readonly" } },
  },
  {
    // Node-RED constructors are plain functions whose `this` is the node: `const node = this` is the idiom.
    files: ["nodes/**/*.ts"],
    rules: { "@typescript-eslint/no-this-alias": "off" },
  },
);
