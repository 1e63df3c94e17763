import AMECore
import AMESystem

extension TCPByteStream: ByteStream {}
