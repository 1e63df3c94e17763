#if canImport(Glibc)
import Glibc
#endif

/// How many files this process may hold open at once (`RLIMIT_NOFILE`). A shell often starts
/// a process with a soft limit of 1,024 and a far higher hard one; storing blobs in batches
/// keeps every file of a batch open until its flush, so the store's users raise the soft limit.
public enum OpenFileLimit {
    /// Raises the soft limit to `wanted`, or to the hard limit when that is lower; never
    /// lowers it. Returns the soft limit now in force.
    @discardableResult
    public static func raise(to wanted: Int = 65536) -> Int {
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return 1024 }
        let target = min(limit.rlim_max, rlim_t(max(wanted, 0)))
        if limit.rlim_cur < target {
            limit.rlim_cur = target
            _ = setrlimit(resource, &limit)
        }
        return getrlimit(resource, &limit) == 0 ? Int(clamping: limit.rlim_cur) : 1024
    }
}
