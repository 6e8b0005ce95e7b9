import Foundation
import GRDB

/// What a synthetic load wrote and how fast.
public struct SyntheticLoadSummary: Sendable, Hashable {
    /// Families written.
    public var families: Int
    /// Insurees written.
    public var insurees: Int
    /// Wall-clock seconds, index rebuild included.
    public var seconds: Double
    /// Policies written (each with its contribution; with the insurance option only).
    public var policies = 0
    /// Claims written (each with one service line; with the insurance option only).
    public var claims = 0
    /// Insurees per second.
    public var insureesPerSecond: Double { seconds > 0 ? Double(insurees) / seconds : 0 }
}

/// Deterministic synthetic families for benchmarks: the same seed on the same database gives the same rows.
///
/// Families have 1–6 members (head, spouse, children) in 48 synthetic villages (codes `S1`…`S2D3W2V4`, created
/// on first use); insurance numbers are 9 digits from 200000000 up, unique (a bijection of the insuree id).
/// Large loads drop the insuree and family secondary indexes first and rebuild them at the end. With `insurance`
/// the families also get policies, contributions and claims (``SyntheticInsurance``; needs the demo dataset).
public enum SyntheticData {
    /// Generates `families` families; `progress` is called after each batch with (families done, total).
    @discardableResult
    public static func generate(families: Int, seed: UInt64, into database: IMISDatabase,
                                clock: RegistryClock = .system, batchSize: Int = 25_000, insurance: Bool = false,
                                progress: ((Int, Int) -> Void)? = nil) throws -> SyntheticLoadSummary {
        try generate(families: families, seed: seed, into: database, clock: clock, batchSize: batchSize,
                     bulkThreshold: 10_000, insurance: insurance, progress: progress)
    }

    /// `bulkThreshold`: from this many families on, secondary indexes are dropped during the load.
    static func generate(families: Int, seed: UInt64, into database: IMISDatabase, clock: RegistryClock,
                         batchSize: Int, bulkThreshold: Int, insurance: Bool = false,
                         progress: ((Int, Int) -> Void)?) throws -> SyntheticLoadSummary {
        let started = Date()
        let now = clock.now()
        var insurees = 0
        var insured = try insurance ? database.read { db in try startInsurance(db, seed: seed, now: now) } : nil
        try database.writer.writeWithoutTransaction { db in
            // Rows are consistent by construction (the tests check it); foreign-key checks would cost a parent
            // lookup per reference and, without the dropped indexes, child-table scans.
            try db.execute(sql: "PRAGMA cache_size = -262144")
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            defer {
                try? db.execute(sql: "PRAGMA foreign_keys = ON")
                try? db.execute(sql: "PRAGMA cache_size = -65536")
            }
            var villages: [Int64] = []
            try db.inTransaction {
                villages = try ensureVillages(db, now: now)
                return .commit
            }
            let bulk = families >= bulkThreshold
            if bulk {
                try db.inTransaction {
                    for index in RegistryIndexes.bulkLoad { try db.execute(sql: index.dropSQL) }
                    return .commit
                }
            }
            var generator = FamilyGenerator(seed: seed, villages: villages, now: now)
            (generator.nextInsureeID, generator.nextFamilyID) = try nextIDs(db)
            var done = 0
            while done < families {
                let count = min(max(1, batchSize), families - done)
                try db.inTransaction {
                    let insureeStatement = try db.cachedStatement(sql: Insuree.sql.insert)
                    let familyStatement = try db.cachedStatement(sql: Family.sql.insert)
                    for _ in 0..<count {
                        let (family, members) = generator.makeFamily()
                        try familyStatement.execute(arguments: StatementArguments(family.databaseValues))
                        for member in members {
                            try insureeStatement.execute(arguments: StatementArguments(member.databaseValues))
                        }
                        insurees += members.count
                        if var insurance = insured {
                            try insertInsurance(db, insurance.rows(family: family, members: members))
                            insured = insurance
                        }
                    }
                    return .commit
                }
                done += count
                progress?(done, families)
            }
            if bulk {
                try db.inTransaction {
                    for index in RegistryIndexes.bulkLoad { try db.execute(sql: index.createSQL) }
                    try db.execute(sql: "ANALYZE")
                    return .commit
                }
            }
        }
        if database.path != ":memory:" {
            try database.writer.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            }
        }
        var summary = SyntheticLoadSummary(families: families, insurees: insurees, seconds: Date().timeIntervalSince(started))
        summary.policies = insured?.families ?? 0
        summary.claims = insured.map { $0.families / SyntheticInsurance.claimEvery } ?? 0
        return summary
    }

    /// The insurance generator over the demo dataset's keys, its next keys after the tables' largest.
    static func startInsurance(_ db: Database, seed: UInt64, now: Date) throws -> SyntheticInsurance {
        var found: [Int64?] = []
        typealias U = DemoDataset.UUIDs
        found.append(try RegistrySQL.byUUID(db, Product.self, U.productRX01)?.record.id)
        found.append(try RegistrySQL.byUUID(db, EnrolmentOfficer.self, U.jebRoberts)?.record.id)
        found.append(try RegistrySQL.byUUID(db, HealthFacility.self, U.raptaDistrictHospital)?.record.id)
        found.append(try RegistrySQL.byUUID(db, ClaimAdministrator.self, U.rushilaDani)?.record.id)
        found.append(try RegistrySQL.byUUID(db, Diagnosis.self, U.diagnosisG44)?.record.id)
        found.append(try RegistrySQL.byUUID(db, MedicalService.self, U.generalConsultation)?.record.id)
        let keys = try SyntheticInsuranceKeys(found)
        var insurance = SyntheticInsurance(keys: keys, seed: seed, now: now)
        insurance.start(after: try SyntheticInsurance.keyColumns.map { table, column in
            try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(\(column)), 0) FROM \(table)") ?? 0
        })
        return insurance
    }

    /// Inserts one family's policy, memberships, contribution and claim.
    static func insertInsurance(_ db: Database, _ rows: SyntheticInsurance.Rows) throws {
        try db.cachedStatement(sql: Policy.sql.insert).execute(arguments: StatementArguments(rows.policy.databaseValues))
        let members = try db.cachedStatement(sql: SyntheticInsurance.insertSQL(InsureePolicy.table))
        for member in rows.members { try members.execute(arguments: StatementArguments(member.databaseValues)) }
        try db.cachedStatement(sql: Premium.sql.insert).execute(arguments: StatementArguments(rows.premium.databaseValues))
        if let claim = rows.claim, let line = rows.line {
            try db.cachedStatement(sql: Claim.sql.insert).execute(arguments: StatementArguments(claim.databaseValues))
            try db.cachedStatement(sql: SyntheticInsurance.insertSQL(ClaimLine.table(.service)))
                .execute(arguments: StatementArguments(line.databaseValues))
        }
    }

    static func nextIDs(_ db: Database) throws -> (Int64, Int64) {
        let insuree = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(InsureeID), 0) + 1 FROM tblInsuree") ?? 1
        let family = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(FamilyID), 0) + 1 FROM tblFamilies") ?? 1
        return (insuree, family)
    }

    /// The synthetic villages, created (with fixed UUIDs) when missing.
    static func ensureVillages(_ db: Database, now: Date) throws -> [Int64] {
        let existing = try Int64.fetchAll(db, sql: """
            SELECT LocationId FROM tblLocations
            WHERE LocationType = 'V' AND LocationCode GLOB 'S[0-9]D[0-9]W[0-9]V[0-9]' AND ValidityTo IS NULL
            ORDER BY LocationCode
            """)
        if !existing.isEmpty { return existing }
        var ids: [Int64] = []
        for place in SyntheticPlace.all {
            let location = place.location(parentID: place.parent.map { ids[$0] })
            ids.append(try RegistrySQL.insert(db, location, now: now).record.id!)
        }
        return SyntheticPlace.villages(of: ids)
    }
}

/// One location of the synthetic hierarchy: 2 regions, 3 districts each, 2 wards each, 4 villages each, in the
/// order they are created (a parent before its children), with fixed UUIDs. Both stores create the same list.
struct SyntheticPlace: Sendable {
    let uuid: String
    let code: String
    let name: String
    /// The index of the parent in ``all``.
    let parent: Int?
    let kind: Location.Kind

    func location(parentID: Int64?) -> Location {
        Location(uuid: uuid, code: code, name: name, parentID: parentID, kind: kind)
    }

    static let all: [SyntheticPlace] = {
        var uuids = SplitMix64(seed: 0x5EED_10CA_7105)
        var places: [SyntheticPlace] = []
        func add(_ code: String, _ name: String, _ parent: Int?, _ kind: Location.Kind) -> Int {
            places.append(SyntheticPlace(uuid: uuids.uuid(), code: code, name: name, parent: parent, kind: kind))
            return places.count - 1
        }
        let regionNames = ["Kusini", "Kaskazini"]
        for r in 1...2 {
            let region = add("S\(r)", "\(regionNames[r - 1]) Region", nil, .region)
            for d in 1...3 {
                let district = add("S\(r)D\(d)", "\(regionNames[r - 1]) District \(d)", region, .district)
                for w in 1...2 {
                    let ward = add("S\(r)D\(d)W\(w)", "Ward \(r)\(d)\(w)", district, .ward)
                    for v in 1...4 { _ = add("S\(r)D\(d)W\(w)V\(v)", "Kijiji \(r)\(d)\(w)\(v)", ward, .village) }
                }
            }
        }
        return places
    }()

    /// The keys of the villages among `ids` (the keys of ``all``, in order), in code order.
    static func villages(of ids: [Int64]) -> [Int64] {
        zip(all, ids).filter { $0.0.kind == .village }.sorted { $0.0.code < $1.0.code }.map(\.1)
    }
}

/// Makes one family at a time from the seeded generator.
struct FamilyGenerator {
    var random: SplitMix64
    let villages: [Int64]
    let now: Date
    var nextInsureeID: Int64 = 1
    var nextFamilyID: Int64 = 1
    /// The families' insurance, when the load makes it (PostgreSQL's batches carry it with the generator).
    var insurance: SyntheticInsurance?

    init(seed: UInt64, villages: [Int64], now: Date) {
        self.random = SplitMix64(seed: seed)
        self.villages = villages
        self.now = now
    }

    /// 1–6 members: 15%, 20%, 20%, 20%, 15%, 10%.
    mutating func familySize() -> Int {
        let roll = random.below(100)
        switch roll {
        case ..<15: return 1
        case ..<35: return 2
        case ..<55: return 3
        case ..<75: return 4
        case ..<90: return 5
        default: return 6
        }
    }

    mutating func date(from: String, to: String) -> LocalDate {
        let low = LocalDate(from)!.daysSinceEpoch, high = LocalDate(to)!.daysSinceEpoch
        return LocalDate(daysSinceEpoch: low + random.below(high - low + 1))
    }

    /// An insurance number: 9 digits, unique per insuree id (7919 is prime to 700,000,000).
    static func chfid(for id: Int64) -> String { String(200_000_000 + (id &* 7919) % 700_000_000) }

    mutating func makeFamily() -> (Family, [Insuree]) {
        let familyID = nextFamilyID
        nextFamilyID += 1
        let size = familySize()
        let lastName = random.pick(SyntheticNames.last)
        let headIsFemale = random.below(100) < 35
        let headID = nextInsureeID
        var members: [Insuree] = []
        for index in 0..<size {
            let id = nextInsureeID
            nextInsureeID += 1
            let female: Bool, dob: LocalDate, relationship: Int?
            switch index {
            case 0: (female, dob, relationship) = (headIsFemale, date(from: "1950-01-01", to: "2000-12-31"), nil)
            case 1: (female, dob, relationship) = (!headIsFemale, date(from: "1955-01-01", to: "2002-12-31"), 8)
            default: (female, dob, relationship) = (random.below(2) == 0, date(from: "2003-01-01", to: "2024-12-31"), 4)
            }
            let married = size > 1 && index < 2
            members.append(Insuree(
                id: id, uuid: random.uuid(), familyID: familyID, chfid: FamilyGenerator.chfid(for: id),
                lastName: lastName, otherNames: random.pick(female ? SyntheticNames.female : SyntheticNames.male),
                dob: dob, gender: female ? "F" : "M", marital: married ? "M" : "S", isHead: index == 0,
                phone: index < 2 && random.below(2) == 0 ? "+2557\(10_000_000 + random.below(89_999_999))" : nil,
                cardIssued: random.below(4) != 0, relationship: relationship,
                profession: index < 2 ? 1 + random.below(4) : nil, education: 1 + random.below(7),
                validityFrom: now))
        }
        let family = Family(
            id: familyID, uuid: random.uuid(), headInsureeID: headID, locationID: random.pick(villages),
            poverty: random.below(5) == 0, familyType: "H",
            familyAddress: "\(1 + random.below(200)) \(random.pick(SyntheticNames.streets))", validityFrom: now)
        return (family, members)
    }
}
