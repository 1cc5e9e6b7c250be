// Package gqlguard checks a GraphQL document's size before it is validated. gqlparser's
// validation is not linear (its overlapping-fields rule compares every pair of fields that
// share a response name, and reports every conflicting pair), so a crafted document of a few
// kilobytes can cost gigabytes there. Check parses the document (which is linear) and
// measures it in time and memory linear in its size: fragment spreads are measured once per
// fragment, never expanded, until the expanded size is known to be small.
package gqlguard

import (
	"fmt"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// Limits bound one document. A zero limit is not checked.
type Limits struct {
	// MaxBytes bounds the query text.
	MaxBytes int
	// MaxSelections bounds the selections once every fragment is expanded where it is spread:
	// each field (aliases included), inline fragment and fragment spread counts once per place
	// it lands, so a fragment spread ten times counts ten times.
	MaxSelections int
	// MaxDepth bounds how deeply fields nest; fragments add no level of their own.
	MaxDepth int
	// MaxRepeats bounds how often one response name is selected at one place of the response
	// (`{ a: x a: y }` selects "a" twice). Validation compares these selections pairwise.
	MaxRepeats int
	// MaxFragments bounds the fragment definitions. Validation compares the fragments spread
	// in one place pairwise, and through them the fragments they spread.
	MaxFragments int
	// Flat names fields that add no depth (introspection's `ofType`, a 1-to-1 link that ends
	// within a few steps): they still count as selections.
	Flat map[string]bool
	// Exclusive names root fields of which an operation may select at most one, counted
	// across aliases and fragments (fields that run a password hash, say).
	Exclusive map[string]bool
}

// Error is a document over a limit. Its message is meant for the client.
type Error struct{ Message string }

func (e *Error) Error() string { return e.Message }

func refuse(format string, args ...any) *Error { return &Error{Message: fmt.Sprintf(format, args...)} }

// Check returns an *Error when query is over a limit, and nil otherwise, including when query
// does not parse: the caller's own parser reports syntax errors in its words.
func Check(query string, l Limits) error {
	if l.MaxBytes > 0 && len(query) > l.MaxBytes {
		return refuse("The query is %d bytes long; at most %d are allowed.", len(query), l.MaxBytes)
	}
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		return nil
	}
	if l.MaxFragments > 0 && len(doc.Fragments) > l.MaxFragments {
		return refuse("The query defines %d fragments; at most %d are allowed.", len(doc.Fragments), l.MaxFragments)
	}
	m := measurer{limits: l, fragments: map[string]*ast.FragmentDefinition{}, sizes: map[string]size{}, state: map[string]int{}}
	for _, f := range doc.Fragments {
		if _, dup := m.fragments[f.Name]; dup {
			return refuse("Fragment %q is defined twice.", f.Name)
		}
		m.fragments[f.Name] = f
	}

	// Measure every operation, then every fragment no operation spreads: validation walks
	// them all.
	var total size
	for _, op := range doc.Operations {
		s, err := m.measure(op.SelectionSet)
		if err != nil {
			return err
		}
		total = m.add(total, s)
	}
	for _, f := range doc.Fragments {
		if m.state[f.Name] == 0 {
			s, err := m.fragment(f.Name)
			if err != nil {
				return err
			}
			m.state[f.Name] = unused
			total = m.add(total, s)
		}
	}
	if l.MaxSelections > 0 && total.selections > l.MaxSelections {
		return refuse("The query has more than %d selections once its fragments are expanded.", l.MaxSelections)
	}
	if l.MaxDepth > 0 && total.depth > l.MaxDepth {
		return refuse("The query is nested %d levels deep; at most %d are allowed.", total.depth, l.MaxDepth)
	}

	// The expanded document is now known to be small: walk it place by place.
	p := placer{m: &m, places: map[place]int{}}
	for _, op := range doc.Operations {
		root := p.newPlace()
		p.exclusive = nil
		if err := p.walk(op.SelectionSet, root, true); err != nil {
			return err
		}
		if len(p.exclusive) > 1 {
			return refuse("A request may run at most one sign-in or password operation; this one asks for %d (%s).",
				len(p.exclusive), strings.Join(p.exclusive, ", "))
		}
	}
	for _, f := range doc.Fragments {
		if m.state[f.Name] == unused {
			if err := p.walk(f.SelectionSet, p.newPlace(), false); err != nil {
				return err
			}
		}
	}
	return nil
}

// size is a selection set's expanded size.
type size struct{ selections, depth int }

// Fragment states while measuring.
const (
	measuring = 1
	measured  = 2
	unused    = 3 // measured on its own: no operation spreads it
)

type measurer struct {
	limits    Limits
	fragments map[string]*ast.FragmentDefinition
	sizes     map[string]size
	state     map[string]int
}

// add sums selections, saturating just over the limit so that fragments spreading fragments
// ten times a level cannot overflow the count.
func (m *measurer) add(a, b size) size {
	n := a.selections + b.selections
	if ceiling := m.limits.MaxSelections + 1; m.limits.MaxSelections > 0 && n > ceiling {
		n = ceiling
	}
	return size{selections: n, depth: max(a.depth, b.depth)}
}

func (m *measurer) measure(set ast.SelectionSet) (size, error) {
	var total size
	for _, sel := range set {
		var s size
		var err error
		switch sel := sel.(type) {
		case *ast.Field:
			s, err = m.measure(sel.SelectionSet)
			if !m.limits.Flat[sel.Name] {
				s.depth++
			}
		case *ast.InlineFragment:
			s, err = m.measure(sel.SelectionSet)
		case *ast.FragmentSpread:
			s, err = m.fragment(sel.Name)
		}
		if err != nil {
			return size{}, err
		}
		s.selections = m.add(s, size{selections: 1}).selections
		total = m.add(total, s)
	}
	return total, nil
}

// fragment measures a named fragment once; a spread of it costs a map lookup after that.
func (m *measurer) fragment(name string) (size, error) {
	switch m.state[name] {
	case measured, unused:
		return m.sizes[name], nil
	case measuring:
		return size{}, refuse("Fragment %q spreads itself.", name)
	}
	f := m.fragments[name]
	if f == nil {
		return size{}, refuse("Unknown fragment %q.", name)
	}
	m.state[name] = measuring
	s, err := m.measure(f.SelectionSet)
	if err != nil {
		return size{}, err
	}
	m.sizes[name] = s
	m.state[name] = measured
	return s, nil
}

// place is one position in the response: the place its field sits in and a response name.
type place struct {
	parent int
	name   string
}

// placer walks the expanded document (at most MaxSelections steps, fragments being known
// to be acyclic and defined) and counts selections per place.
type placer struct {
	m         *measurer
	places    map[place]int
	counts    []int
	exclusive []string // exclusive root fields of the current operation
}

func (p *placer) newPlace() int {
	p.counts = append(p.counts, 0)
	return len(p.counts) - 1
}

func (p *placer) walk(set ast.SelectionSet, parent int, root bool) error {
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			name := sel.Alias
			if name == "" {
				name = sel.Name
			}
			key := place{parent: parent, name: name}
			id, ok := p.places[key]
			if !ok {
				id = p.newPlace()
				p.places[key] = id
			}
			p.counts[id]++
			if limit := p.m.limits.MaxRepeats; limit > 0 && p.counts[id] > limit {
				return refuse("The response name %q is selected more than %d times in one place.", name, limit)
			}
			if root && p.m.limits.Exclusive[sel.Name] {
				p.exclusive = append(p.exclusive, sel.Name)
			}
			if err := p.walk(sel.SelectionSet, id, false); err != nil {
				return err
			}
		case *ast.InlineFragment:
			if err := p.walk(sel.SelectionSet, parent, root); err != nil {
				return err
			}
		case *ast.FragmentSpread:
			if err := p.walk(p.m.fragments[sel.Name].SelectionSet, parent, root); err != nil {
				return err
			}
		}
	}
	return nil
}
