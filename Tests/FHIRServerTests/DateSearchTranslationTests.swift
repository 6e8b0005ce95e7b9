import Foundation
import IMISData
import Testing

@testable import FHIRServer

/// Date values (prefixes, partial dates as ranges, times and zones) and their translation for calendar-day columns
/// and `_lastUpdated`.
@Suite struct DateSearchTranslationTests {
    /// The instant of an ISO 8601 date-time with zone.
    func instant(_ text: String) throws -> Date {
        try #require(ISO8601DateFormatter().date(from: text), "\(text)")
    }

    func day(_ values: [String], _ modifier: String? = nil) throws -> RowPredicate {
        try Translate.day(SearchCriterion(name: "birthdate", modifier: modifier, values: values, type: .date), column: Insuree.Column.dob)
    }

    func dob(_ op: Comparison, _ text: String) -> RowPredicate { .compare("DOB", op, .text(text)) }

    @Test func aYearIsTheRangeOfTheWholeYear() throws {
        let value = try DateValue(parsing: "2024")
        #expect(value.prefix == .eq)
        #expect(value.lower == (try instant("2024-01-01T00:00:00Z")))
        #expect(value.upper == (try instant("2025-01-01T00:00:00Z")))
    }

    @Test func aMonthIsTheRangeOfItsDaysLeapYearIncluded() throws {
        let value = try DateValue(parsing: "2024-02")
        #expect(value.lower == (try instant("2024-02-01T00:00:00Z")))
        #expect(value.upper == (try instant("2024-03-01T00:00:00Z")))
    }

    @Test func aDayIsTheRangeOfItsTwentyFourHours() throws {
        let value = try DateValue(parsing: "2024-02-29")
        #expect(value.lower == (try instant("2024-02-29T00:00:00Z")))
        #expect(value.upper == (try instant("2024-03-01T00:00:00Z")))
    }

    @Test func aTimeWithoutSecondsOrZoneIsReadAsUTCAndAZoneIsHonoured() throws {
        #expect(try DateValue(parsing: "2024-01-01T10:00").lower == (try instant("2024-01-01T10:00:00Z")))
        #expect(try DateValue(parsing: "2024-01-01T10:00+02:00").lower == (try instant("2024-01-01T08:00:00Z")))
        #expect(try DateValue(parsing: "2024-01-01T10:00:30-01:00").lower == (try instant("2024-01-01T11:00:30Z")))
    }

    @Test func aPrefixIsReadOnlyBeforeADigit() throws {
        for prefix in SearchPrefix.allCases {
            let value = try DateValue(parsing: "\(prefix.rawValue)2024-03")
            #expect(value.prefix == prefix)
            #expect(value.lower == (try instant("2024-03-01T00:00:00Z")))
            #expect(value.text == "\(prefix.rawValue)2024-03")
        }
        #expect(throws: FHIRError.self) { try DateValue(parsing: "xx2024") }
        #expect(throws: FHIRError.self) { try DateValue(parsing: "ge") }
        #expect(throws: FHIRError.self) { try DateValue(parsing: "gt-2024") }
    }

    @Test func anImpossibleDateIsABadSearch() {
        for text in ["2024-13", "2023-02-29", "2024-01-01T25:00", "yesterday", ""] {
            #expect(throws: FHIRError.self, "\(text)") { try DateValue(parsing: text) }
        }
    }

    @Test func onADayColumnEqualsIsEveryDayOfTheRange() throws {
        #expect(try day(["2024-02"]) == .or([.and([dob(.greaterOrEqual, "2024-02-01"), dob(.lessOrEqual, "2024-02-29")])]))
        #expect(try day(["2024-02-29"]) == .or([.and([dob(.greaterOrEqual, "2024-02-29"), dob(.lessOrEqual, "2024-02-29")])]))
    }

    @Test func onADayColumnLessAndGreaterStopAtTheRange() throws {
        #expect(try day(["lt2024-03-15"]) == .or([dob(.lessOrEqual, "2024-03-14")]))
        #expect(try day(["gt2024-03-15"]) == .or([dob(.greaterOrEqual, "2024-03-16")]))
        #expect(try day(["sa2024-03"]) == .or([dob(.greaterOrEqual, "2024-04-01")]))
        #expect(try day(["eb2024-03"]) == .or([dob(.lessOrEqual, "2024-02-29")]))
    }

    @Test func onADayColumnGreaterOrEqualIncludesTheRange() throws {
        let eq = RowPredicate.and([dob(.greaterOrEqual, "2024-03-15"), dob(.lessOrEqual, "2024-03-15")])
        #expect(try day(["ge2024-03-15"]) == .or([.or([dob(.greaterOrEqual, "2024-03-16"), eq])]))
        #expect(try day(["le2024-03-15"]) == .or([.or([dob(.lessOrEqual, "2024-03-14"), eq])]))
        #expect(try day(["ne2024-03-15"]) == .or([.and([.isNotNull("DOB"), .not(eq)])]))
    }

    @Test func onADayColumnATimeCoversOnlyWholeDaysWithinIt() throws {
        // A single instant holds no whole day: nothing equals it, and `ap` widens it to its day.
        let noon = try day(["2024-03-15T12:00"])
        #expect(noon == .or([.and([dob(.greaterOrEqual, "2024-03-16"), dob(.lessOrEqual, "2024-03-14")])]))
        #expect(try day(["ap2024-03-15T12:00"]) == .or([.and([dob(.greaterOrEqual, "2024-03-15"), dob(.lessOrEqual, "2024-03-15")])]))
    }

    @Test func missingOnADayColumnAsksForNull() throws {
        #expect(try day(["true"], "missing") == .isNull("DOB"))
        #expect(try day(["false"], "missing") == .isNotNull("DOB"))
    }

    @Test func lastUpdatedComparesInstantsWithTheRangeBounds() throws {
        func lastUpdated(_ value: String) throws -> RowPredicate {
            try Translate.lastUpdated(SearchCriterion(name: "_lastUpdated", modifier: nil, values: [value], type: .date))
        }
        let lower = try instant("2024-03-01T00:00:00Z"), upper = try instant("2024-04-01T00:00:00Z")
        let eq = RowPredicate.and([.lastUpdated(.greaterOrEqual, lower), .lastUpdated(.less, upper)])
        #expect(try lastUpdated("2024-03") == .or([eq]))
        #expect(try lastUpdated("ne2024-03") == .or([.not(eq)]))
        #expect(try lastUpdated("lt2024-03") == .or([.lastUpdated(.less, lower)]))
        #expect(try lastUpdated("le2024-03") == .or([.lastUpdated(.less, upper)]))
        #expect(try lastUpdated("gt2024-03") == .or([.lastUpdated(.greaterOrEqual, upper)]))
        #expect(try lastUpdated("ge2024-03") == .or([.lastUpdated(.greaterOrEqual, lower)]))
        #expect(try lastUpdated("sa2024-03") == .or([.lastUpdated(.greaterOrEqual, upper)]))
        #expect(throws: FHIRError.self) { try lastUpdated("March") }
    }
}
