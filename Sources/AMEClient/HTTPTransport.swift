import AMECore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One streamed HTTP exchange: the response head, then the body as it arrives. On Linux,
/// URLSession has no `bytes(for:)`; a data delegate feeding an `AsyncThrowingStream` is the
/// way to see a body before it is complete.
enum StreamPart: Sendable {
    case response(HTTPURLResponse)
    case data(Data)
}

final class StreamingDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    let continuation: AsyncThrowingStream<StreamPart, any Error>.Continuation

    init(continuation: AsyncThrowingStream<StreamPart, any Error>.Continuation) {
        self.continuation = continuation
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void) {
        if let response = response as? HTTPURLResponse { continuation.yield(.response(response)) }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        continuation.yield(.data(data))
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        if let error { continuation.finish(throwing: error) } else { continuation.finish() }
    }
}

extension URLSession {
    /// Starts `request` on a session of its own whose delegate streams the response.
    static func stream(_ request: URLRequest, configuration: URLSessionConfiguration) -> AsyncThrowingStream<StreamPart, any Error> {
        AsyncThrowingStream { continuation in
            let delegate = StreamingDelegate(continuation: continuation)
            let queue = OperationQueue()
            queue.maxConcurrentOperationCount = 1
            let session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: queue)
            let task = session.dataTask(with: request)
            let box = TaskBox(task: task, session: session)
            continuation.onTermination = { _ in box.cancel() }
            task.resume()
        }
    }
}

/// Cancels the task and lets go of its session when the consumer stops listening.
private final class TaskBox: @unchecked Sendable {
    let task: URLSessionDataTask
    let session: URLSession
    init(task: URLSessionDataTask, session: URLSession) {
        self.task = task
        self.session = session
    }
    func cancel() {
        task.cancel()
        session.finishTasksAndInvalidate()
    }
}
