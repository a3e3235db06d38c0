package instancedata

import (
	_ "embed"
	"sync"
)

// embeddedTable is produced by `eksnet instancedata pull` (see `make data`).
//
//go:embed instance-types.json
var embeddedTable []byte

// EmbeddedSupplement lists the types EC2 does not return, kept by hand from the
// VPC CNI's published manual list; pull merges it into every table it writes.
//
//go:embed supplement.json
var EmbeddedSupplement []byte

var (
	embeddedOnce sync.Once
	embedded     *Table
	embeddedErr  error
)

// Embedded returns the table compiled into the binary. It is decoded on first
// use only, so commands that never touch it pay nothing.
func Embedded() (*Table, error) {
	embeddedOnce.Do(func() { embedded, embeddedErr = Decode(embeddedTable) })
	return embedded, embeddedErr
}
