@testable import Planning
import Testing

// Two queues of two buckets each, 0.2 cores a bucket, whose queues swing by ±0.05 in turn:
// queue 0 up when queue 1 is down and back, a steady load with noise that does not last.
private let table = [0, 0, 1, 1]
private func swinging(_ step: Int) -> [Double] {
    let swing = step % 2 == 0 ? 0.025 : -0.025
    return [0.2 + swing, 0.2 + swing, 0.2 - swing, 0.2 - swing]
}

/// `loads` under `table` on two queues, with the queue sums the forecast is given alongside.
private func observe(_ loads: [Double], table: [Int], into forecast: inout LoadForecast) {
    var queueLoads = [0.0, 0.0]
    for (bucket, queue) in table.enumerated() { queueLoads[queue] += loads[bucket] }
    forecast.observe(loads, queueLoads: queueLoads, table: table, active: [0, 1])
}

private func trained(records: Int) -> LoadForecast {
    var forecast = LoadForecast()
    for step in 0..<records { observe(swinging(step), table: table, into: &forecast) }
    return forecast
}

@Test func forecastAveragesSteadyNoiseAway() {
    let forecast = trained(records: 30)
    // The last record forecasts each queue 0.1 off (0.45 for 0.35 and back) against a mean of
    // 0.4: an error of 0.25. An average sits between the two and is off by about half that.
    #expect(forecast.weight < 1)
    let error = try! #require(forecast.relativeError)
    #expect(error < 0.25)
}

@Test func forecastTakesANewLevelAtOnce() {
    var forecast = trained(records: 30)
    // Bucket 0 goes from 0.2 ± 0.025 to 0.6 ± 0.025: 0.4 more, the whole mean queue load, where
    // the forecast's error is about an eighth of it. Bucket 1 swings as before.
    var shifted = swinging(30)
    shifted[0] += 0.4
    observe(shifted, table: table, into: &forecast)
    #expect(abs(forecast.bucket[0] - shifted[0]) < 1e-12, "\(forecast.bucket) for \(shifted[0])")
    #expect(abs(forecast.bucket[1] - shifted[1]) > 0.01, "bucket 1's noise is still averaged away")
}

@Test func forecastStartsAgainOnATableOfAnotherSize() {
    var forecast = trained(records: 30)
    let wider = [0.1, 0.2, 0.3, 0.4, 0.1, 0.2, 0.3, 0.4]
    observe(wider, table: [0, 0, 0, 0, 1, 1, 1, 1], into: &forecast)
    #expect(forecast.bucket == wider)
    #expect(Array(forecast.queue) == [1, 1])
    #expect(forecast.weight == 1)
    #expect(forecast.relativeError == nil)
}
