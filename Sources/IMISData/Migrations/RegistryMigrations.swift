import GRDB

/// The schema migrations of the registry (GRDB `DatabaseMigrator`); identifiers never change once released.
enum RegistryMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 openIMIS registry tables") { db in
            for sql in [RegistrySchema.referenceTables, RegistrySchema.locations, RegistrySchema.people,
                        RegistrySchema.staff, RegistrySchema.catalog] {
                try db.execute(sql: sql)
            }
            for index in RegistryIndexes.all {
                try db.execute(sql: index.createSQL)
            }
        }
        migrator.registerMigration("v1 openIMIS reference data") { db in
            for (table, entries) in ReferenceSeed.values {
                let statement = try db.makeStatement(sql: """
                    INSERT INTO \(table.tableName) (\(table.codeColumn), \(table.displayColumn), SortOrder)
                    VALUES (?, ?, ?)
                    """)
                for (order, (code, display)) in entries.enumerated() {
                    let key: any DatabaseValueConvertible = table.hasIntegerCodes ? Int(code)! : code
                    try statement.execute(arguments: [key, display, order + 1])
                }
            }
        }
        migrator.registerMigration("v2 policies, contributions, claims, invoices and payments") { db in
            for sql in [InsuranceSchema.policies, InsuranceSchema.claims, InsuranceSchema.coverage,
                        InsuranceSchema.payments] {
                try db.execute(sql: sql)
            }
            for index in InsuranceIndexes.all {
                try db.execute(sql: index.createSQL)
            }
        }
        migrator.registerMigration("v3 users, roles, clients and tokens") { db in
            try db.execute(sql: AccountSchema.openIMIS)
            try db.execute(sql: AccountSchema.own)
            try db.execute(sql: AccountSchema.indexes)
        }
        migrator.registerMigration("v4 OTP challenges and push tokens") { db in
            try db.execute(sql: OTPSchema.own)
        }
        migrator.registerMigration("v5 name indexes in last-update order") { db in
            for name in RegistryIndexes.replaced { try db.execute(sql: "DROP INDEX IF EXISTS \(name)") }
            for index in RegistryIndexes.insuree { try db.execute(sql: index.createSQL) }
        }
        migrator.registerMigration("v6 own password hashes beside openIMIS's") { db in
            try db.execute(sql: AccountSchema.passwords)
        }
        migrator.registerMigration("v7 product start cycles") { db in
            // openIMIS's `tblProduct.StartCycle1..4` (varchar(5), `DD-MM`).
            for n in 1...4 { try db.execute(sql: "ALTER TABLE tblProduct ADD COLUMN StartCycle\(n) TEXT") }
        }
        migrator.registerMigration("v8 subscriptions") { db in
            try db.execute(sql: SubscriptionSchema.own)
        }
        migrator.registerMigration("v9 client keys and assertion ids for signed client authentication") { db in
            try db.execute(sql: ClientKeySchema.own)
        }
        migrator.registerMigration("v10 subscription events") { db in
            try db.execute(sql: SubscriptionEventSchema.own)
        }
        migrator.registerMigration("v11 enrolments") { db in
            try db.execute(sql: EnrolmentSchema.own)
        }
        migrator.registerMigration("v12 export jobs") { db in
            try db.execute(sql: ExportJobSchema.own)
        }
        return migrator
    }

    /// Recreates any missing secondary index (for instance after an interrupted bulk load); a no-op otherwise.
    static func ensureIndexes(_ db: Database) throws {
        for index in RegistryIndexes.all + InsuranceIndexes.all {
            try db.execute(sql: index.createSQL)
        }
    }
}
