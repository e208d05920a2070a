import RSSRecords

/// Where load records come from: a counter on a real device, a simulation, a trace replay.
/// `rss-count` writes each record `next()` returns; nil ends the run (end of a trace, or the
/// requested number of epochs).
public protocol LoadSource {
    mutating func next() throws -> LoadRecord?
}
