import Foundation

/// The files (not folders) below `path`, as paths relative to it: what a test means by "left
/// behind" in a folder whose empty subfolders are part of its layout (the blob store's
/// scratch lanes, say).
public func filesBelow(_ path: String) throws -> [String] {
    guard let walker = FileManager.default.enumerator(atPath: path) else { return [] }
    var files: [String] = []
    while let name = walker.nextObject() as? String {
        if (walker.fileAttributes?[.type] as? FileAttributeType) != .typeDirectory {
            files.append(name)
        }
    }
    return files.sorted()
}
