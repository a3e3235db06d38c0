// Package report renders eksnet's results as tables, CSV, JSON or YAML. It
// knows nothing of EKS: commands hand it columns, rows and the value to
// serialise.
package report

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
	"gopkg.in/yaml.v3"
)

// Format is an output format named by -o.
type Format string

const (
	Table Format = "table"
	JSON  Format = "json"
	YAML  Format = "yaml"
	CSV   Format = "csv"
)

// ParseFormat checks a -o value against the formats a command offers.
func ParseFormat(s string, allowed ...Format) (Format, error) {
	names := make([]string, len(allowed))
	for i, f := range allowed {
		if string(f) == s {
			return f, nil
		}
		names[i] = string(f)
	}
	return "", fmt.Errorf("output format %q: want one of %s", s, strings.Join(names, ", "))
}

// Doc is one result: Columns and Rows feed the table and CSV, Data is what
// JSON and YAML serialise (through its json tags, for both).
type Doc struct {
	Columns []string
	Rows    [][]string
	Data    any
	// KeepHeaderCase leaves column names as they are, for tables whose
	// columns are data (instance types, CIDRs) rather than field names.
	KeepHeaderCase bool
	// MaxColumnWidth, if set, wraps a terminal table's long cells (prose
	// such as messages) at that many columns.
	MaxColumnWidth int
}

// Write renders doc. A table written to a terminal gets borders; anywhere else
// it is plain whitespace-aligned columns with a one-word header per column,
// which awk, cut and grep handle.
func Write(w io.Writer, f Format, doc Doc, terminal bool) error {
	switch f {
	case JSON:
		return writeJSON(w, doc.Data)
	case YAML:
		return writeYAML(w, doc.Data)
	case CSV:
		cw := csv.NewWriter(w)
		if err := cw.Write(doc.Columns); err != nil {
			return err
		}
		if err := cw.WriteAll(doc.Rows); err != nil {
			return err
		}
		return cw.Error()
	case Table, "":
		return writeTable(w, doc, terminal)
	}
	return fmt.Errorf("output format %q not supported here", f)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// writeYAML goes through JSON so that one set of field names (the json tags)
// serves both formats and YAML keeps the fields in declaration order.
func writeYAML(w io.Writer, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var node yaml.Node
	if err := yaml.Unmarshal(raw, &node); err != nil {
		return err
	}
	blockStyle(&node)
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(&node); err != nil {
		return err
	}
	return enc.Close()
}

// blockStyle undoes the flow and quoting style that JSON input gives every
// node. The encoder re-quotes strings that YAML 1.2 would read as another
// type; strings that YAML 1.1 readers (PyYAML, many CI tools) take for
// booleans stay quoted too.
func blockStyle(n *yaml.Node) {
	n.Style &^= yaml.FlowStyle
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" && !yaml11Bool[strings.ToLower(n.Value)] {
		n.Style &^= yaml.DoubleQuotedStyle
	}
	for _, c := range n.Content {
		blockStyle(c)
	}
}

var yaml11Bool = map[string]bool{"y": true, "yes": true, "n": true, "no": true, "on": true, "off": true, "true": true, "false": true}

func writeTable(w io.Writer, doc Doc, terminal bool) error {
	align := make([]tw.Align, len(doc.Columns))
	for c := range doc.Columns {
		align[c] = tw.AlignRight
		for _, row := range doc.Rows {
			if c < len(row) && !numeric(row[c]) {
				align[c] = tw.AlignLeft
				break
			}
		}
	}
	header := make([]any, len(doc.Columns))
	for i, c := range doc.Columns {
		header[i] = c
	}
	if terminal {
		opts := []tablewriter.Option{tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: align})}
		if doc.KeepHeaderCase {
			opts = append(opts, tablewriter.WithHeaderAutoFormat(tw.Off))
		}
		if doc.MaxColumnWidth > 0 {
			opts = append(opts, tablewriter.WithRowMaxWidth(doc.MaxColumnWidth))
		}
		t := tablewriter.NewTable(w, opts...)
		t.Header(header...)
		for _, row := range doc.Rows {
			if err := t.Append(row); err != nil {
				return err
			}
		}
		return t.Render()
	}
	var buf bytes.Buffer
	t := tablewriter.NewTable(&buf,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders: tw.BorderNone,
			Settings: tw.Settings{
				Separators: tw.Separators{BetweenColumns: tw.Off, BetweenRows: tw.Off},
				Lines:      tw.Lines{ShowHeaderLine: tw.Off},
			},
		})),
		tablewriter.WithPadding(tw.Padding{Left: "", Right: "  ", Overwrite: true}),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignment(tw.AlignLeft),
	)
	plainHeader := make([]any, len(doc.Columns))
	for i, c := range doc.Columns {
		c = strings.ReplaceAll(c, " ", "_")
		if !doc.KeepHeaderCase {
			c = strings.ToUpper(c)
		}
		plainHeader[i] = c
	}
	t.Header(plainHeader...)
	for _, row := range doc.Rows {
		if err := t.Append(row); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	sc := bufio.NewScanner(&buf)
	bw := bufio.NewWriter(w)
	for sc.Scan() {
		bw.WriteString(strings.TrimRight(sc.Text(), " "))
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

func numeric(s string) bool {
	if s == "" || s == "-" {
		return true
	}
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}
