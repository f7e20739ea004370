/// The jobs of the tasks that prefer the I/O thread as their executor, and whether enqueuing one
/// must wake the thread: only while it sleeps in `epoll_wait` with nothing queued, and once.
struct IOThreadJobQueue {
    private var jobs: [UnownedJob] = []
    /// The thread is out of `epoll_wait`, and runs what is queued before it waits again.
    private var isAwake = true
    /// Someone woke the sleeping thread, which has not noticed yet.
    private var isWakingUp = false

    /// Queues `job`; true when the caller must wake the thread.
    mutating func enqueue(_ job: UnownedJob) -> Bool {
        jobs.append(job)
        guard !isAwake, !isWakingUp else { return false }
        isWakingUp = true
        return true
    }

    /// Before a wait: true when nothing is queued, so that the thread may sleep until woken.
    mutating func sleepsIfIdle() -> Bool {
        isAwake = !jobs.isEmpty
        return !isAwake
    }

    /// After a wait the thread slept in.
    mutating func wokeUp() {
        isAwake = true
        isWakingUp = false
    }

    /// Hands the queued jobs over in `running`, which must be empty, keeping its storage for the next ones.
    mutating func take(into running: inout [UnownedJob]) {
        swap(&jobs, &running)
    }
}
