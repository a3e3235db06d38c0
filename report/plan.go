package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/eksnet/eksnet/calc/plan"
)

// Formats plan check offers beyond the common ones.
const (
	JUnit  Format = "junit"
	GitHub Format = "github"
)

// JUnit's shape, as CI systems read it: one suite per plan file, one test
// case per rule that ran, failing when it has a violation at or above the
// failing severity. Violations below it are listed in the case's output.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	ClassName string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// violationText is one violation on one line plus its fix, as logs show it.
func violationText(v plan.Violation) string {
	return fmt.Sprintf("%s:%d:%d: %s [%s] %s\n  fix: %s", v.File, v.Line, v.Column, v.Severity, v.Rule, v.Message, v.Fix)
}

// WriteJUnit renders plan check results as JUnit XML.
func WriteJUnit(w io.Writer, results []plan.Result, failOn plan.Severity) error {
	doc := junitSuites{Name: "eksnet plan check"}
	for _, r := range results {
		suite := junitSuite{Name: r.File}
		for _, id := range r.Rules {
			tc := junitCase{ClassName: r.File, Name: id}
			var failing, other []string
			worst := plan.SeverityInfo
			first := ""
			for _, v := range r.Violations {
				if v.Rule != id {
					continue
				}
				if v.Severity >= failOn {
					failing = append(failing, violationText(v))
					worst = max(worst, v.Severity)
					if first == "" {
						first = v.Message
					}
				} else {
					other = append(other, violationText(v))
				}
			}
			if len(failing) > 0 {
				msg := first
				if len(failing) > 1 {
					msg = fmt.Sprintf("%d violations; first: %s", len(failing), first)
				}
				tc.Failure = &junitFailure{Message: msg, Type: worst.String(), Text: strings.Join(failing, "\n")}
				suite.Failures++
			}
			tc.SystemOut = strings.Join(other, "\n")
			suite.Cases = append(suite.Cases, tc)
		}
		suite.Tests = len(suite.Cases)
		doc.Tests += suite.Tests
		doc.Failures += suite.Failures
		doc.Suites = append(doc.Suites, suite)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// WriteGitHub renders violations as GitHub Actions workflow commands, which
// show as annotations on the plan file's lines in a pull request.
func WriteGitHub(w io.Writer, results []plan.Result) error {
	command := map[plan.Severity]string{plan.SeverityError: "error", plan.SeverityWarning: "warning", plan.SeverityInfo: "notice"}
	for _, r := range results {
		for _, v := range r.Violations {
			_, err := fmt.Fprintf(w, "::%s file=%s,line=%d,col=%d,title=%s::%s\n", command[v.Severity],
				ghProperty(v.File), v.Line, v.Column, ghProperty("eksnet "+v.Rule), ghData(v.Message+"\nfix: "+v.Fix))
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// ghData escapes a workflow command's message; ghProperty a property value,
// which must not hold the separators either.
var (
	ghDataEscaper     = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	ghPropertyEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
)

func ghData(s string) string     { return ghDataEscaper.Replace(s) }
func ghProperty(s string) string { return ghPropertyEscaper.Replace(s) }
