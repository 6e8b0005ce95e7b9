import Foundation
import Logging
import NIOConcurrencyHelpers
import Testing

@testable import IMISData

/// How the PostgreSQL change feed reads the notifications of the triggers ("v13 change notifications"), without a
/// server: the payloads are the triggers' contract.
@Suite struct PostgresChangeFeedTests {
    func feed() -> (PostgresChangeFeed, NIOLockedValueBox<[ChangeFeedEvent]>) {
        let feed = PostgresChangeFeed(settings: PostgresSettings(database: "imis", username: "imis"), logger: Logger(label: "test"))
        let events = NIOLockedValueBox<[ChangeFeedEvent]>([])
        feed.observe { event in events.withLockedValue { $0.append(event) } }
        return (feed, events)
    }

    func changes(_ events: NIOLockedValueBox<[ChangeFeedEvent]>) -> [CommittedChanges] {
        events.withLockedValue { $0 }.compactMap { event in
            if case .changed(let changes) = event { return changes }
            return nil
        }
    }

    @Test func keysBecomeChangedRowsOfTheMappingsTable() {
        let (feed, events) = feed()
        feed.receive("t:tblInsuree:12,7")
        let received = changes(events)
        #expect(received.count == 1)
        #expect(received.first?.rows == [RowKey(table: "tblInsuree", rowID: 12), RowKey(table: "tblInsuree", rowID: 7)])
        #expect(received.first?.tables.isEmpty == true)
    }

    @Test func aStarOrAKeyThatIsNotANumberChangesTheWholeTable() {
        let (feed, events) = feed()
        feed.receive("t:tblLocations:*")
        feed.receive("t:tblFamilies:3,x")
        let received = changes(events)
        #expect(received.count == 2)
        #expect(received.first?.tables == ["tblLocations"])
        #expect(received.last?.tables == ["tblFamilies"])
        #expect(received.last?.affects(RowKey(table: "tblFamilies", rowID: 99)) == true)
    }

    @Test func otherInstancesMarksAndUnknownPayloadsChangeNothing() {
        let (feed, events) = feed()
        feed.receive("c:someone:1")
        feed.receive("hello")
        feed.receive("x:tblInsuree:1")
        #expect(events.withLockedValue { $0 }.isEmpty)
    }

    @Test func aTransactionIsNotMarkedWhileTheFeedDoesNotListen() {
        let (feed, _) = feed()
        feed.start()
        // Not connected: nothing is cached, so a write pays no extra round trip.
        #expect(feed.mark() == nil)
    }
}
