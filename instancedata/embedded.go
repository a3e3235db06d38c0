package instancedata

import (
	"bytes"
	_ "embed"
	"encoding/json"
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

// typeLines returns the part of the embedded file that holds the instance
// types. The file is canonical (Encode's form, checked by a test): one type
// per line, sorted by name, each line starting with its name.
func typeLines() []byte {
	data := embeddedTable
	marker := []byte("\"instanceTypes\": [\n")
	i := bytes.Index(data, marker) // the header is short: this reads one page
	if i < 0 {
		return nil
	}
	data = data[i+len(marker):]
	if end := bytes.LastIndex(data, []byte("\n  ]")); end >= 0 {
		data = data[:end+1]
	}
	return data
}

var namePrefix = []byte(`    {"name":"`)

// LookupEmbedded finds one type in the embedded table by binary search over
// the file's bytes, decoding that type's line only. It reads a dozen lines
// instead of decoding 1,400 types (milliseconds, a megabyte of garbage), so a
// one-type command starts about as fast as the process can.
func LookupEmbedded(name string) (InstanceType, bool) {
	data := typeLines()
	target := []byte(name)
	lo, hi := 0, len(data) // lo is always the start of a line
	for lo < hi {
		mid := lo + (hi-lo)/2
		start := bytes.LastIndexByte(data[lo:mid], '\n') + 1 + lo
		end := bytes.IndexByte(data[start:], '\n')
		if end < 0 {
			end = len(data) - start
		}
		line := data[start : start+end]
		if !bytes.HasPrefix(line, namePrefix) {
			return InstanceType{}, false
		}
		lineName := line[len(namePrefix):]
		lineName = lineName[:max(bytes.IndexByte(lineName, '"'), 0)]
		switch bytes.Compare(lineName, target) {
		case 0:
			var t InstanceType
			if err := json.Unmarshal(bytes.TrimSuffix(line, []byte(",")), &t); err != nil {
				return InstanceType{}, false
			}
			return t, true
		case -1:
			lo = start + end + 1
		default:
			hi = start
		}
	}
	return InstanceType{}, false
}
