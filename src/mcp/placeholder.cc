// Replaced by the MCP core.
