// Placeholder until this tool's issue-2 work lands; replaced by the real front end.
print("rss-bench: not built yet")
