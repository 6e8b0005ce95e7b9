import Foundation
import Testing
@testable import IMISData

@Suite struct DateTests {
    @Test func localDateParsesOnlyRealISODates() {
        #expect(LocalDate("1962-02-05")?.description == "1962-02-05")
        #expect(LocalDate("2024-02-29") != nil)
        #expect(LocalDate("2023-02-29") == nil)
        #expect(LocalDate("1962-2-5") == nil)
        #expect(LocalDate("1962-02-05T00:00") == nil)
        #expect(LocalDate("1964-05-15")! > LocalDate("1962-02-05")!)
        let day = LocalDate("1969-12-31")!
        #expect(day.daysSinceEpoch == -1 && LocalDate(daysSinceEpoch: -1) == day)
    }

    @Test func timestampsRoundTripInTheStorageFormat() {
        let date = Date(timeIntervalSince1970: 1_709_287_200.1239)
        let text = Timestamp.string(from: date)
        #expect(text == "2024-03-01 10:00:00.123")
        #expect(Timestamp.date(from: text) == Timestamp.truncated(date))
        #expect(Timestamp.date(from: "2024-03-01T10:00:00") == Date(timeIntervalSince1970: 1_709_287_200))
        #expect(Timestamp.date(from: "2024-03-01") == Date(timeIntervalSince1970: 1_709_251_200))
        #expect(Timestamp.date(from: "2024-03-01 25:00:00") == nil)
        #expect(Timestamp.string(from: Date(timeIntervalSince1970: -0.5)) == "1969-12-31 23:59:59.500")
    }

    @Test func namesFoldToPlainLowerCase() {
        #expect(NameFolding.fold("Zoë Müller") == "zoe muller")
        #expect(NameFolding.fold("LEFÈVRE") == "lefevre")
        #expect(NameFolding.fold("Straße") == "strasse")
        #expect(NameFolding.fold("DOE") == "doe")
    }
}
