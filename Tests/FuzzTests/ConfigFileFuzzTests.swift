import Balancing
import Testing

/// rss-balance's config file, generated: it is read, or refused with an error that names the
/// file and a line the file has, so that an operator can find what to fix.
@Suite struct ConfigFileFuzzTests {
    @Test func configFiles() throws {
        let file = "/etc/rsspp/eth0.conf"
        try fuzz("balance-config", iterations: 3000) { input, name in
            let text = String(decoding: input, as: UTF8.self)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).count
            do throws(ConfigError) {
                _ = try ConfigFile.parse(text, file: file)
            } catch {
                let place = error.description.dropFirst("\(file):".count).prefix { $0.isNumber }
                #expect(error.description.hasPrefix("\(file):") && Int(place).map { (1...lines).contains($0) } == true,
                        "\(name): \(error.description)")
            }
        }
    }
}
