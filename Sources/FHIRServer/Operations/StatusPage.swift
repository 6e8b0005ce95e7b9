import Foundation

/// The status page at `/`: what this server is, its version and database engine, the counts of insurees, families,
/// policies and claims (when ``Operations/showsCounts``), readiness, subscription delivery, and links. One HTML
/// document with its style inline: no script, no external asset, nothing but aggregate numbers.
enum StatusPage {
    /// What the page shows.
    struct Facts {
        var version: String
        var engine: String
        var ready: String?
        var counts: [(String, Int)]?
        var showsCounts: Bool
        var deliveries: [String: Int]
        var fhirBase: String
        var smartConfiguration: String
    }

    static func html(_ facts: Facts) -> String {
        let readiness = facts.ready.map { "not ready: \(escape($0))" } ?? "ready"
        let readyClass = facts.ready == nil ? "ok" : "bad"
        var counts = ""
        if !facts.showsCounts {
            counts = "<p>Counts are not shown on this server (<code>STATUS_COUNTS</code>).</p>"
        } else if let values = facts.counts {
            counts = "<dl class=\"counts\">" + values.map { name, value in
                "<div><dt>\(escape(name))</dt><dd id=\"count-\(escape(name))\">\(value)</dd></div>"
            }.joined() + "</dl>"
        } else {
            counts = "<p>Counts unavailable: the database does not answer.</p>"
        }
        let delivered = facts.deliveries.values.reduce(0, +)
        let delivery = delivered == 0
            ? "no subscriptions delivered yet"
            : facts.deliveries.sorted { $0.key < $1.key }.map { "\($0.value) \(escape($0.key))" }.joined(separator: ", ")
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>imis-fhir</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:0;background:#f4f6f8;color:#1d2733}
            header{background:#0b5e7e;color:#fff;padding:24px 32px}header h1{margin:0;font-size:28px}
            header p{margin:6px 0 0;opacity:.9}main{padding:24px 32px;max-width:960px}
            section{background:#fff;border-radius:8px;padding:16px 24px;margin-bottom:16px;box-shadow:0 1px 3px #0002}
            h2{font-size:18px;margin:0 0 12px}.counts{display:flex;gap:16px;flex-wrap:wrap;margin:0}
            .counts div{background:#e8f1f5;border-radius:6px;padding:12px 20px;min-width:120px}
            dt{font-size:13px;text-transform:uppercase;color:#4a5a6a}dd{margin:4px 0 0;font-size:30px;font-weight:700}
            .ok{color:#12733a;font-weight:700}.bad{color:#b3261e;font-weight:700}td{padding:4px 16px 4px 0}
            </style></head>
            <body><header><h1>imis-fhir</h1>
            <p>A FHIR R4 server for openIMIS social health insurance data.</p></header>
            <main>
            <section><h2>Server</h2><table>
            <tr><td>Version</td><td id="version">\(escape(facts.version))</td></tr>
            <tr><td>Database engine</td><td id="engine">\(escape(facts.engine))</td></tr>
            <tr><td>Readiness</td><td id="readiness" class="\(readyClass)">\(readiness)</td></tr>
            <tr><td>Subscription delivery</td><td id="delivery">\(delivery)</td></tr>
            </table></section>
            <section><h2>Data</h2>\(counts)</section>
            <section id="api"><h2>API</h2><ul>
            <li><a href="\(escape(facts.fhirBase))/metadata">CapabilityStatement</a> (<code>\(escape(facts.fhirBase))/metadata</code>)</li>
            <li><a href="\(escape(facts.smartConfiguration))">SMART configuration</a></li>
            <li>Tokens: <code>POST /auth/token</code>; every FHIR request but <code>/metadata</code> needs one.</li>
            <li>Health: <a href="/health/live">/health/live</a>, <a href="/health/ready">/health/ready</a></li>
            <li>The project README, section "The API at a glance", lists the requests with examples.</li>
            </ul></section>
            </main></body></html>

            """
    }

    /// `text` safe inside HTML text and attribute values.
    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}

extension Operations {
    /// `GET /`: the status page.
    func statusPage(fhirBase: String) async -> FHIRResponse {
        let ready = await notReadyReason()
        let counts = showsCounts ? await counts() : nil
        let facts = StatusPage.Facts(
            version: configuration.version, engine: engine == .postgresql ? "PostgreSQL" : "SQLite", ready: ready,
            counts: counts, showsCounts: showsCounts, deliveries: metrics.deliveries.withLockedValue { $0 },
            fhirBase: fhirBase, smartConfiguration: fhirBase + "/.well-known/smart-configuration")
        return FHIRResponse(
            status: .ok,
            headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                      .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'"],
            body: Array(StatusPage.html(facts).utf8))
    }
}
