"""Developer tools: the local stack, the Zalo OA stand-in, the chat simulator and the `pakn` command."""
