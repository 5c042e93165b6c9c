// Prints the command, args and env an MCPB host (Claude Desktop) starts for
// a bundle, resolved by the official @anthropic-ai/mcpb library the way the
// host resolves it: user_config defaults merged with the user's values,
// ${__dirname}, ${HOME} and ${user_config.*} substituted.
//
//   node packaging/mcpb-config.mjs MANIFEST EXTENSION_DIR USER_CONFIG_JSON HOME
//
// The tests of the bundle (mcpb_test.go) start vpnlens with what it prints.
import { readFileSync } from "node:fs";
import { sep } from "node:path";
import { getMcpConfigForManifest } from "@anthropic-ai/mcpb";

const [manifestPath, extensionPath, userConfigJSON, home] = process.argv.slice(2);
if (!manifestPath || !extensionPath || !userConfigJSON || !home) {
  console.error("usage: node mcpb-config.mjs MANIFEST EXTENSION_DIR USER_CONFIG_JSON HOME");
  process.exit(2);
}
const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
const config = await getMcpConfigForManifest({
  manifest,
  extensionPath,
  systemDirs: { HOME: home, DESKTOP: `${home}${sep}Desktop`, DOCUMENTS: `${home}${sep}Documents`, DOWNLOADS: `${home}${sep}Downloads` },
  userConfig: JSON.parse(userConfigJSON),
  pathSeparator: sep,
});
if (!config) {
  console.error("the host would not start this bundle: required configuration is missing");
  process.exit(1);
}
process.stdout.write(JSON.stringify(config) + "\n");
