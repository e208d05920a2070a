import RssppVersion

/// The release every tool's `--version` prints (Sources/RssppVersion/include/rsspp_version.h).
public let rssppVersion = RSSPP_VERSION
