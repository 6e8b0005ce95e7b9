#if canImport(Glibc)
import Glibc
#endif

/// The C library's allocator, set up before a command runs.
enum MallocArenas {
    /// One allocator arena for the whole process. glibc gives threads that allocate at the same time arenas of
    /// their own (up to eight per core), and each arena keeps what is freed in it for its own later use: a
    /// PostgreSQL export, whose renderings move between the cooperative threads and the event loops, kept twice
    /// the memory it used resident (at 100,001 insurees 37 MB in use, 117 MB taken from the system; peak RSS
    /// 150 MB with the default arenas, 126 MB with one, as fast). `MALLOC_ARENA_MAX` in the environment, glibc's
    /// own setting, still decides when it is set.
    static func limit() {
        #if canImport(Glibc)
        guard getenv("MALLOC_ARENA_MAX") == nil else { return }
        // `mallopt` and `M_ARENA_MAX` are declared in malloc.h, which the Glibc module leaves out.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        let arenaMax: Int32 = -8
        guard let process = dlopen(nil, RTLD_NOW), let symbol = dlsym(process, "mallopt") else { return }
        _ = unsafeBitCast(symbol, to: Mallopt.self)(arenaMax, 1)
        #endif
    }
}
