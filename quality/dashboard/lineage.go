package dashboard

import (
	"fmt"
	"math"
	"slices"

	"github.com/edqm/edqm/transform"
)

// lineage is the DAG of the project's sources and models, laid out in Go
// and drawn as SVG by the "lineage" template: raw tables in the first
// column, then each level of models (stg, fct, mart), an edge for each ref
// and source.
type lineage struct {
	W, H  float64
	Nodes []*lineageNode
	Edges []lineageEdge
}

// lineageNode is a raw table or a model, with the tests and monitors on it.
type lineageNode struct {
	Name string
	// Kind is "source" or the model's materialization.
	Kind       string
	X, Y, W, H float64
	// Status is the worst latest status of its tests and monitors ("" when
	// none); Counts says how many of each.
	Status string
	Counts string
	Tests  []testView
	Mons   []monitorRow
	Refs   []string
	SQL    string
	// ID is the node's panel id, the target of its link.
	ID string
}

// lineageEdge is a curve from one node's right side to another's left.
type lineageEdge struct {
	From, To string
	Path     string
	// Arrow is the arrowhead's polygon at the edge's end.
	Arrow string
}

// sourceTable returns the table a model's source names, as transform
// renders it.
func sourceTable(src [2]string) string {
	if p, ok := transform.DefaultSources[src[0]]; ok {
		return p + src[1]
	}
	return src[0] + "_" + src[1]
}

// newLineage lays out p's DAG with the tests and monitors of the page on
// each node.
func newLineage(p *transform.Project, tests []testView, mons []monitorRow) *lineage {
	if p == nil {
		return nil
	}
	levels := p.Levels()
	var sources []string
	for _, lv := range levels {
		for _, m := range lv {
			for _, s := range m.Sources {
				if t := sourceTable(s); !slices.Contains(sources, t) {
					sources = append(sources, t)
				}
			}
		}
	}
	slices.Sort(sources)
	cols := [][]*lineageNode{{}}
	for _, s := range sources {
		cols[0] = append(cols[0], &lineageNode{Name: s, Kind: "source"})
	}
	for _, lv := range levels {
		var col []*lineageNode
		for _, m := range lv {
			n := &lineageNode{Name: m.Name, Kind: string(m.Materialized), Refs: m.Refs, SQL: m.SQL}
			for _, s := range m.Sources {
				n.Refs = append(n.Refs, sourceTable(s))
			}
			col = append(col, n)
		}
		cols = append(cols, col)
	}
	return layoutLineage(cols, tests, mons)
}

// layoutLineage places the columns of nodes and the edges between them,
// and attaches the tests and monitors.
func layoutLineage(cols [][]*lineageNode, tests []testView, mons []monitorRow) *lineage {
	const nodeW, nodeH, rowGap, left, top = 196.0, 46.0, 18.0, 8.0, 8.0
	rows := 0
	for _, c := range cols {
		rows = max(rows, len(c))
	}
	l := &lineage{W: 960, H: top*2 + float64(rows)*(nodeH+rowGap) - rowGap}
	colGap := (l.W - 2*left - nodeW) / math.Max(float64(len(cols)-1), 1)
	byName := map[string]*lineageNode{}
	for i, c := range cols {
		offset := (float64(rows-len(c)) * (nodeH + rowGap)) / 2
		for j, n := range c {
			n.X, n.Y, n.W, n.H = left+float64(i)*colGap, top+offset+float64(j)*(nodeH+rowGap), nodeW, nodeH
			n.ID = "lineage-" + n.Name
			attachChecks(n, tests, mons)
			byName[n.Name] = n
			l.Nodes = append(l.Nodes, n)
		}
	}
	for _, n := range l.Nodes {
		for _, r := range n.Refs {
			from, ok := byName[r]
			if !ok {
				continue
			}
			x0, y0, x1, y1 := from.X+from.W, from.Y+from.H/2, n.X, n.Y+n.H/2
			mx := (x0 + x1) / 2
			l.Edges = append(l.Edges, lineageEdge{From: r, To: n.Name,
				Path:  fmt.Sprintf("M%s,%s C%s,%s %s,%s %s,%s", f1(x0), f1(y0), f1(mx), f1(y0), f1(mx), f1(y1), f1(x1-6), f1(y1)),
				Arrow: fmt.Sprintf("%s,%s %s,%s %s,%s", f1(x1-8), f1(y1-4), f1(x1), f1(y1), f1(x1-8), f1(y1+4))})
		}
	}
	return l
}

// attachChecks gives a node its tests and monitors, its worst status and
// their count by status.
func attachChecks(n *lineageNode, tests []testView, mons []monitorRow) {
	count := map[string]int{}
	worst := ""
	note := func(st string) {
		count[st]++
		if worst == "" || statusRank[st] > statusRank[worst] {
			worst = st
		}
	}
	for _, t := range tests {
		if t.Model == n.Name {
			n.Tests = append(n.Tests, t)
			note(t.Status)
		}
	}
	for _, m := range mons {
		if m.Model == n.Name {
			n.Mons = append(n.Mons, m)
			note(m.Status)
		}
	}
	n.Status = worst
	checks := len(n.Tests) + len(n.Mons)
	switch {
	case checks == 0:
		n.Counts = "no tests"
	case count["fail"] > 0:
		n.Counts = fmt.Sprintf("%d checks · %d failing", checks, count["fail"])
	case count["warn"] > 0:
		n.Counts = fmt.Sprintf("%d checks · %d warn", checks, count["warn"])
	default:
		n.Counts = fmt.Sprintf("%d checks · all pass", checks)
	}
}
