package plan

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// Error is a plan that cannot be read, at the place that is wrong.
type ReadError struct {
	File string
	Pos  Pos // Column 0: YAML's parser gives the line only
	Path string
	Msg  string
}

func (e *ReadError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Pos.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Pos.Line)
		if e.Pos.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Pos.Column)
		}
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// scalarDecoder is a type written as one YAML scalar in its own syntax.
type scalarDecoder interface {
	decodeScalar(value string) error
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxError places a YAML syntax error on its line. yaml.v3 numbers lines
// from 1 for scanner errors but from 0 for parser errors ("did not find
// expected ..."), where the line is that of the construct left open, and
// leaves the line out when it is the first (0 in both counts).
func syntaxError(file string, err error) *ReadError {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	e := &ReadError{File: file}
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		e.Pos.Line, _ = strconv.Atoi(m[1])
		msg = m[2]
		if strings.HasPrefix(msg, "did not find expected") {
			e.Pos.Line++
		}
	} else if strings.HasPrefix(msg, "found ") || strings.HasPrefix(msg, "did not find expected") {
		e.Pos.Line = 1
	}
	e.Msg = "YAML syntax: " + msg
	return e
}

// Parse reads a plan file. Syntax errors, unknown keys, wrong types, missing
// keys and values out of range are a *ReadError naming the place; semantic
// problems (a CIDR outside the VPC, a subnet too small) are left to Check.
func Parse(file string, data []byte) (*Plan, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &ReadError{File: file, Msg: "empty plan: want a mapping with version: 1, vpc and subnets (eksnet plan init writes one)"}
		}
		return nil, syntaxError(file, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &ReadError{File: file, Pos: Pos{extra.Line, extra.Column}, Msg: "a second YAML document: a plan file holds one (check them as separate files)"}
	} else if !errors.Is(err, io.EOF) {
		return nil, syntaxError(file, err)
	}
	p := &Plan{File: file, positions: map[string]Pos{}}
	d := decoder{file: file, positions: p.positions}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if err := d.value(root, reflect.ValueOf(p).Elem(), ""); err != nil {
		return nil, err
	}
	if p.Version != Version {
		return nil, d.errorf(p.positions["version"], "version", "%d: this eksnet reads version %d", p.Version, Version)
	}
	return p, nil
}

type decoder struct {
	file      string
	positions map[string]Pos
}

func (d *decoder) errorf(pos Pos, path, format string, a ...any) error {
	return &ReadError{File: d.file, Pos: pos, Path: path, Msg: fmt.Sprintf(format, a...)}
}

// kindName says what a node is, for "want X, got Y" messages.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	switch n.ShortTag() {
	case "!!null":
		return "nothing"
	case "!!bool":
		return "true/false " + strconv.Quote(n.Value)
	case "!!int", "!!float":
		return "the number " + n.Value
	}
	return strconv.Quote(n.Value)
}

func (d *decoder) value(n *yaml.Node, v reflect.Value, path string) error {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	pos := Pos{n.Line, n.Column}
	d.positions[path] = pos
	if sd, ok := v.Addr().Interface().(scalarDecoder); ok {
		if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
			return d.errorf(pos, path, "want a single value, got %s", kindName(n))
		}
		if err := sd.decodeScalar(n.Value); err != nil {
			return d.errorf(pos, path, "%v", err)
		}
		return nil
	}
	switch v.Kind() {
	case reflect.Struct:
		return d.mapping(n, v, path)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return d.errorf(pos, path, "want a list, got %s", kindName(n))
		}
		v.Set(reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content)))
		for i, item := range n.Content {
			if err := d.value(item, v.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		return nil
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		return d.value(n, v.Elem(), path)
	case reflect.String:
		// Names and CIDRs are strings; a number written unquoted (a name
		// such as 2024) is taken as its text.
		if n.Kind != yaml.ScalarNode || !slices.Contains([]string{"!!str", "!!int", "!!float"}, n.ShortTag()) {
			return d.errorf(pos, path, "want a string, got %s", kindName(n))
		}
		v.SetString(n.Value)
		return nil
	case reflect.Int:
		i, err := strconv.Atoi(n.Value)
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || err != nil {
			return d.errorf(pos, path, "want a whole number, got %s", kindName(n))
		}
		v.SetInt(int64(i))
		return nil
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
			return d.errorf(pos, path, "want true or false, got %s", kindName(n))
		}
		v.SetBool(n.Value == "true" || n.Value == "True" || n.Value == "TRUE")
		return nil
	}
	return d.errorf(pos, path, "cannot read a %s", v.Type())
}

// field is a struct field as the plan file names it.
type field struct {
	key      string
	index    int
	required bool
	enum     []string
	min      *int
}

// fieldCache holds each struct type's fields: reading them by reflection
// for every mapping of a large plan costs more than the YAML parse.
var fieldCache sync.Map // reflect.Type -> []field

func fieldsOf(t reflect.Type) []field {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.([]field)
	}
	var fs []field
	for i := range t.NumField() {
		sf := t.Field(i)
		tag, ok := sf.Tag.Lookup("yaml")
		if !ok {
			continue
		}
		key, opts, _ := strings.Cut(tag, ",")
		f := field{key: key, index: i, required: opts == "required"}
		if e := sf.Tag.Get("enum"); e != "" {
			f.enum = strings.Split(e, ",")
		}
		if m := sf.Tag.Get("min"); m != "" {
			n, _ := strconv.Atoi(m)
			f.min = &n
		}
		fs = append(fs, f)
	}
	fieldCache.Store(t, fs)
	return fs
}

func (d *decoder) mapping(n *yaml.Node, v reflect.Value, path string) error {
	pos := Pos{n.Line, n.Column}
	where := ""
	if path == "" {
		where = " in the plan"
	}
	if n.Kind != yaml.MappingNode {
		return d.errorf(pos, path, "want a mapping, got %s", kindName(n))
	}
	fs := fieldsOf(v.Type())
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		kpos := Pos{k.Line, k.Column}
		j := slices.IndexFunc(fs, func(f field) bool { return f.key == k.Value })
		if j < 0 {
			keys := make([]string, len(fs))
			for i, f := range fs {
				keys[i] = f.key
			}
			return d.errorf(kpos, path, "unknown key %q%s; valid keys: %s", k.Value, where, strings.Join(keys, ", "))
		}
		if seen[k.Value] {
			return d.errorf(kpos, path, "key %q given twice", k.Value)
		}
		seen[k.Value] = true
		f := fs[j]
		sub := k.Value
		if path != "" {
			sub = path + "." + k.Value
		}
		fv := v.Field(f.index)
		if err := d.value(val, fv, sub); err != nil {
			return err
		}
		vpos := d.positions[sub]
		if f.enum != nil && !slices.Contains(f.enum, fv.String()) {
			return d.errorf(vpos, sub, "%q: want one of %s", fv.String(), strings.Join(f.enum, ", "))
		}
		if f.min != nil {
			num := fv
			if num.Kind() == reflect.Pointer {
				num = num.Elem()
			}
			if int(num.Int()) < *f.min {
				return d.errorf(vpos, sub, "%d: want %d or more", num.Int(), *f.min)
			}
		}
	}
	for _, f := range fs {
		if f.required && !seen[f.key] {
			return d.errorf(pos, path, "missing key %q%s", f.key, where)
		}
	}
	return nil
}
