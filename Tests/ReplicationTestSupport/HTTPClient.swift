package import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Blocking HTTP for tests: status and body.
package enum HTTPClient {
    package struct Response {
        package var status: Int
        package var body: String
    }

    package static func request(
        _ method: String,
        _ url: String,
        body: Data? = nil,
        headers: [String: String] = [:]
    ) throws -> Response {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        request.httpBody = body
        // Generous: a daemon under a full parallel run on two cores can take many seconds to answer.
        request.timeoutInterval = 60
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let done = DispatchSemaphore(value: 0)
        let result = ResultBox()
        URLSession.shared.dataTask(with: request) { data, response, error in
            result.set(data: data, response: response as? HTTPURLResponse, error: error)
            done.signal()
        }.resume()
        done.wait()
        return try result.response()
    }

    package static func post(_ url: String, _ body: String, headers: [String: String] = [:]) throws -> Response {
        try self.request("POST", url, body: Data(body.utf8), headers: headers)
    }

    package static func get(_ url: String, headers: [String: String] = [:]) throws -> Response {
        try self.request("GET", url, headers: headers)
    }

    private final class ResultBox: @unchecked Sendable {
        private let lock = NSLock()
        private var data: Data?
        private var status: Int?
        private var error: (any Error)?

        func set(data: Data?, response: HTTPURLResponse?, error: (any Error)?) {
            self.lock.withLock {
                self.data = data
                self.status = response?.statusCode
                self.error = error
            }
        }

        func response() throws -> Response {
            try self.lock.withLock {
                if let error { throw error }
                return Response(status: self.status ?? 0, body: String(decoding: self.data ?? Data(), as: UTF8.self))
            }
        }
    }
}
