import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A program a test starts and keeps running for a while (a server), started so that it holds nothing of the
/// test process but its own standard streams.
///
/// Foundation's `Process` lets a child inherit every descriptor of the test process that is not close-on-exec:
/// the pipes of another test's short command (whose reader then waits for an end of file until the server
/// stops) and the socket by which Foundation learns that another child ended (so that child's
/// `waitUntilExit()` waits as long). Tests run in parallel on as many threads as there are cores; two such
/// waits can hold all of them while the test that would stop the server cannot run. A ``SpawnedProcess`` closes
/// every descriptor above standard error in the child before the program starts, and is waited for with
/// `waitpid` on a thread of its own, never on one of the tests' threads.
public final class SpawnedProcess: @unchecked Sendable {
    /// Where a standard stream of the child goes.
    public enum Stream: Sendable {
        /// `/dev/null`.
        case null
        /// A pipe whose other end is ``standardInput``, ``standardOutput`` or ``standardError``.
        case pipe
        /// Appended to this file.
        case file(String)
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The child's process id (signals sent to it reach the program).
    public let processIdentifier: pid_t
    /// The parent's ends of the pipes asked for.
    public let standardInput: FileHandle?
    public let standardOutput: FileHandle?
    public let standardError: FileHandle?
    private let lock = NSLock()
    private var waitStatus: Int32?  // guarded by `lock`: the status once the child is reaped

    /// Starts `executable` with `arguments` and `environment` (the test process's when nil).
    public init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                input: Stream = .null, output: Stream = .null, errors: Stream = .null) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var parentEnds: [Int32?] = [nil, nil, nil]
        var childEnds: [Int32] = []
        for (fd, stream) in [input, output, errors].enumerated() {
            switch stream {
            case .null:
                posix_spawn_file_actions_addopen(&actions, Int32(fd), "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0)
            case .file(let path):
                posix_spawn_file_actions_addopen(&actions, Int32(fd), path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            case .pipe:
                var ends: [Int32] = [0, 0]
                guard pipe(&ends) == 0 else { throw Failure(description: "pipe: \(errno)") }
                // Close-on-exec, so that no other child inherits them (the dup2 below clears it for this one).
                ends.forEach { _ = fcntl($0, F_SETFD, FD_CLOEXEC) }
                let (child, parent) = fd == 0 ? (ends[0], ends[1]) : (ends[1], ends[0])
                posix_spawn_file_actions_adddup2(&actions, child, Int32(fd))
                parentEnds[fd] = parent
                childEnds.append(child)
            }
        }
        Self.closeFrom(&actions, 3)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let variables = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { variables.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, variables)
        childEnds.forEach { close($0) }
        guard spawned == 0 else {
            parentEnds.compactMap { $0 }.forEach { close($0) }
            throw Failure(description: "\(executable) could not start (\(spawned))")
        }
        processIdentifier = pid
        standardInput = parentEnds[0].map { FileHandle(fileDescriptor: $0, closeOnDealloc: true) }
        standardOutput = parentEnds[1].map { FileHandle(fileDescriptor: $0, closeOnDealloc: true) }
        standardError = parentEnds[2].map { FileHandle(fileDescriptor: $0, closeOnDealloc: true) }
    }

    /// Adds "close every descriptor from `low` on" to `actions` (glibc 2.34's
    /// `posix_spawn_file_actions_addclosefrom_np`, looked up at run time: the C module does not declare it).
    private static func closeFrom(_ actions: inout posix_spawn_file_actions_t, _ low: Int32) {
        typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else {
            return
        }
        _ = unsafeBitCast(symbol, to: AddCloseFrom.self)(&actions, low)
    }

    /// Whether the child still runs (reaps it when it has ended).
    public var isRunning: Bool {
        lock.withLock {
            if waitStatus != nil { return false }
            var status: Int32 = 0
            if waitpid(processIdentifier, &status, WNOHANG) == processIdentifier { waitStatus = status }
            return waitStatus == nil
        }
    }

    /// The exit status, or 128 + the signal that ended it; nil while it runs.
    public var terminationStatus: Int32? {
        guard !isRunning, let status = lock.withLock({ waitStatus }) else { return nil }
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// Sends `signal` to the child while it runs.
    public func send(_ signal: Int32) {
        if isRunning { _ = Glibc.kill(processIdentifier, signal) }
    }

    /// Waits until the child has ended, on a thread of its own; its ``terminationStatus``.
    @discardableResult
    public func waitUntilExit() async -> Int32 {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                while self.isRunning { usleep(10_000) }
                continuation.resume()
            }
        }
        return terminationStatus ?? -1
    }

    /// Sends `signal` (SIGTERM unless told) and reaps the child on a thread of its own when it ends (for a
    /// `defer`).
    public func terminate(_ signal: Int32 = SIGTERM) {
        send(signal)
        Thread.detachNewThread { while self.isRunning { usleep(20_000) } }
    }

}
