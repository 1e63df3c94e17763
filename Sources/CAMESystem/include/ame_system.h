#ifndef AME_SYSTEM_H
#define AME_SYSTEM_H

#include <sys/types.h>

/// How to start a child process. File descriptors of -1 mean /dev/null.
typedef struct {
    const char *path;
    char *const *argv;
    char *const *envp;
    const char *cwd;           /* NULL: inherit */
    int stdin_fd;
    int stdout_fd;
    int stderr_fd;
    int new_session;           /* setsid(): own session and process group */
    int new_process_group;     /* setpgid(0,0) when not new_session */
    int death_signal;          /* PR_SET_PDEATHSIG, 0 for none */
} ame_spawn_options;

/// Starts a child (clone with CLONE_VM|CLONE_VFORK, then exec) with the options above.
/// Returns the child's pid, or -1 with *error_out set to the errno of the failing step (a
/// missing executable is an error here, not an exit status).
pid_t ame_spawn(const ame_spawn_options *options, int *error_out);

/// waitpid() that retries on EINTR. Returns the raw status, or -1.
int ame_wait(pid_t pid, int *status_out, int no_hang);

int ame_wifexited(int status);
int ame_wexitstatus(int status);
int ame_wifsignaled(int status);
int ame_wtermsig(int status);

/// Marks this process a child subreaper, so orphaned descendants are reparented to it.
int ame_set_child_subreaper(void);

/// pipe2(fds, O_CLOEXEC): both ends close on exec, so children inherit only what they are given.
int ame_pipe_cloexec(int fds[2]);

/// pidfd_open(): a descriptor that becomes readable when `pid` exits, so one poll(2) can wait
/// for a child's exit, its output and a timeout together. -1 (errno ENOSYS) before Linux 5.3.
int ame_pidfd_open(pid_t pid);

/// gettid(): the calling thread's id (Swift cannot call the variadic syscall()).
pid_t ame_gettid(void);

/// syncfs(): flush everything of the file system holding `fd` in one call.
int ame_syncfs(int fd);

/// What `ame __sandbox-exec` does inside a sandbox before it runs the command: -1 leaves
/// a setting as it is.
typedef struct {
    long long uid;             /* switch to this user (needs CAP_SETUID), then enter a user namespace of one's own */
    long long gid;             /* with this group, and no supplementary groups (needs CAP_SETGID) */
    long long max_processes;   /* RLIMIT_NPROC, soft and hard, set inside the user namespace so it counts this sandbox only */
    long long max_file_size;   /* RLIMIT_FSIZE, soft and hard, in bytes */
} ame_sandbox_options;

/// Applies `options`, then execvp(argv[0], argv). Returns only on failure: the errno, with
/// *step_out naming the step that failed ("setuid", "user namespace", "exec", …).
int ame_sandbox_exec(const ame_sandbox_options *options, char *const argv[], const char **step_out);

/// What scripts/build-release records about a release build (git commit, build date,
/// Swift version), or "" in any other build. See ame_build_info.c.
const char *ame_build_commit(void);
const char *ame_build_date(void);
const char *ame_build_swift_version(void);

#endif
