import Foundation

/// The interactive user a write is made for: its `AuditUserID` goes into every row the write inserts, updates or
/// closes (openIMIS's convention), and its `core_User` row into the history-model tables' creator and updater.
public enum WriteActor {
    /// The openIMIS user id (`tblUsers`) of the request being served; nil for insurees and system clients.
    @TaskLocal public static var userID: Int64?
}
