package polysock

import "io"

var ioEOF = io.EOF
