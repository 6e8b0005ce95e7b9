import CryptoExtras
import Foundation
import Testing

@testable import Membership

@Suite("Notification settings")
struct NotifyConfigurationTests {
    func setting(_ environment: [String: String]) -> String? {
        do {
            _ = try NotificationConfiguration(environment: environment)
            return nil
        } catch let error as ConfigurationError {
            return error.setting
        } catch {
            return "\(error)"
        }
    }

    @Test func nothingSetMeansNoChannel() throws {
        #expect(try NotificationConfiguration(environment: [:]) == NotificationConfiguration())
    }

    @Test func emailSettingsReadAsDjangoNamesThem() throws {
        let plain = try #require(try EmailConfiguration.from(environment: ["EMAIL_HOST": "smtp.example.org",
                                                                          "EMAIL_FROM": "noreply@example.org"]))
        #expect(plain.port == 25 && !plain.useStartTLS && !plain.useImplicitTLS && plain.username == nil)
        let tls = try #require(try EmailConfiguration.from(environment: [
            "EMAIL_HOST": "smtp.example.org", "EMAIL_USE_TLS": "True", "EMAIL_HOST_USER": "mailer",
            "EMAIL_HOST_PASSWORD": "secret", "EMAIL_FROM": "openIMIS <noreply@example.org>",
        ]))
        #expect(tls.port == 587 && tls.useStartTLS && tls.username == "mailer" && tls.password == "secret")
        let ssl = try #require(try EmailConfiguration.from(environment: [
            "EMAIL_HOST": "smtp.example.org", "EMAIL_USE_SSL": "1", "EMAIL_FROM": "a@example.org", "EMAIL_PORT": "2465",
        ]))
        #expect(ssl.port == 2465 && ssl.useImplicitTLS)
    }

    @Test func badSettingsAreNamed() {
        let base = ["EMAIL_HOST": "smtp.example.org", "EMAIL_FROM": "noreply@example.org"]
        #expect(setting(base.merging(["EMAIL_PORT": "smtp"]) { $1 }) == "EMAIL_PORT")
        #expect(setting(base.merging(["EMAIL_PORT": "70000"]) { $1 }) == "EMAIL_PORT")
        #expect(setting(base.merging(["EMAIL_USE_TLS": "maybe"]) { $1 }) == "EMAIL_USE_TLS")
        #expect(setting(base.merging(["EMAIL_USE_TLS": "true", "EMAIL_USE_SSL": "true"]) { $1 }) == "EMAIL_USE_SSL")
        #expect(setting(base.merging(["EMAIL_HOST_USER": "mailer"]) { $1 }) == "EMAIL_HOST_PASSWORD")
        #expect(setting(["EMAIL_HOST": "smtp.example.org"]) == "EMAIL_FROM")
        #expect(setting(base.merging(["EMAIL_FROM": "not an address"]) { $1 }) == "EMAIL_FROM")
        #expect(setting(base.merging(["EMAIL_SSL_CAFILE": "/nonexistent/ca.pem"]) { $1 }) == "EMAIL_SSL_CAFILE")
        #expect(setting(["FCM_PROJECT_ID": "p"]) == "FCM_CREDENTIALS")
        #expect(setting(["FCM_CREDENTIALS": "/nonexistent/service-account.json"]) == "FCM_CREDENTIALS")
        #expect(setting(["FCM_CREDENTIALS": #"{"client_email":"a@b"}"#]) == "FCM_CREDENTIALS")
        #expect(setting(["FCM_CREDENTIALS": "{not json"]) == "FCM_CREDENTIALS")
        #expect(setting(["SMS_GATEWAY_URL": "not a url"]) == "SMS_GATEWAY_URL")
        #expect(setting(["SMS_GATEWAY_TOKEN": "t"]) == "SMS_GATEWAY_URL")
    }

    @Test func fcmCredentialsComeInlineOrFromAFileAndPlainHTTPOnlyToLoopback() throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let json = String(decoding: try JSONSerialization.data(withJSONObject: [
            "client_email": "push@p.iam.gserviceaccount.com", "private_key": key.pkcs8PEMRepresentation, "private_key_id": "k1",
            "project_id": "from-file", "token_uri": "https://oauth2.googleapis.com/token",
        ]), as: UTF8.self)
        let inline = try #require(try FCMConfiguration.from(environment: ["FCM_CREDENTIALS": json]))
        #expect(inline.projectID == "from-file")
        #expect(inline.baseURL.absoluteString == "https://fcm.googleapis.com")
        #expect(inline.serviceAccount.tokenURI.absoluteString == "https://oauth2.googleapis.com/token")

        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let file = folder.url.appendingPathComponent("service-account.json")
        try Data(json.utf8).write(to: file)
        let fromFile = try #require(try FCMConfiguration.from(environment: [
            "FCM_CREDENTIALS": file.path, "FCM_PROJECT_ID": "override", "FCM_URL": "http://127.0.0.1:9099",
        ]))
        #expect(fromFile.projectID == "override")
        #expect(fromFile.sendURL.absoluteString == "http://127.0.0.1:9099/v1/projects/override/messages:send")
        #expect(setting(["FCM_CREDENTIALS": json, "FCM_URL": "http://fcm.example.org"]) == "FCM_URL")
    }

    @Test func errorsNeverQuoteTheSecret() {
        do {
            _ = try EmailConfiguration.from(environment: ["EMAIL_HOST": "h", "EMAIL_FROM": "a@b", "EMAIL_HOST_USER": "u",
                                                          "EMAIL_HOST_PASSWORD": "hunter2", "EMAIL_USE_TLS": "hunter2"])
            Issue.record("accepted")
        } catch {
            #expect(!"\(error)".contains("hunter2"))
        }
    }
}
