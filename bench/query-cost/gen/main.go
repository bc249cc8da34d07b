// Command qb-tsdb-gen writes Prometheus TSDB blocks holding N days of a qb-agent
// fleet as Prometheus 3.5 would store it: each agent's business series as
// scraped (job, instance, service_instance_id, scope labels), and the carried
// series the quality-billing rules record from them. bench/query-cost.ts runs
// the dashboards' queries against a Prometheus opened on these blocks.
//
// Values are deterministic (a fixed PRNG seed) and counters only grow, as the
// agent's do with durable state.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/tsdb"
)

type series struct {
	raw     labels.Labels
	carried labels.Labels
	// fleetSum names the fleet-wide sum record this series adds into ("" for none).
	fleetSum string
	value   float64
	// step returns the increment of one scrape interval.
	step func(r *rand.Rand) float64
}

func main() {
	dir := flag.String("out", "", "output directory (blocks are written into it)")
	agents := flag.Int("agents", 20, "agents in the fleet")
	days := flag.Int("days", 30, "days of data, ending at -end")
	interval := flag.Duration("interval", 15*time.Second, "scrape and rule-evaluation interval")
	end := flag.Int64("end", 0, "last timestamp, Unix seconds (default: now)")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "qb-tsdb-gen: -out is required")
		os.Exit(2)
	}
	endMs := time.Now().UnixMilli()
	if *end > 0 {
		endMs = *end * 1000
	}
	startMs := endMs - int64(*days)*24*3600*1000
	step := interval.Milliseconds()
	r := rand.New(rand.NewPCG(1, 2))
	all := fleetOf(*agents)
	fmt.Fprintf(os.Stderr, "qb-tsdb-gen: %d agents, %d series (raw and carried), %d days at %s\n", *agents, 2*len(all), *days, interval)

	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	const blockMs = 24 * 3600 * 1000
	ctx := context.Background()
	for blockStart := startMs - startMs%blockMs; blockStart < endMs; blockStart += blockMs {
		w, err := tsdb.NewBlockWriter(logger, *dir, blockMs)
		check(err)
		app := w.Appender(ctx)
		n := 0
		for t := max(blockStart, startMs); t < blockStart+blockMs && t <= endMs; t += step {
			sums := map[string]float64{}
			for _, s := range all {
				s.value += s.step(r)
				_, err := app.Append(0, s.raw, t, s.value)
				check(err)
				if s.carried.Len() > 0 {
					_, err = app.Append(0, s.carried, t, s.value)
					check(err)
				}
				if s.fleetSum != "" {
					sums[s.fleetSum] += s.value
				}
				n++
			}
			for key, v := range sums {
				_, err := app.Append(0, fleetLabels[key], t, v)
				check(err)
			}
			if n > 2_000_000 {
				check(app.Commit())
				app = w.Appender(ctx)
				n = 0
			}
		}
		check(app.Commit())
		_, err = w.Flush(ctx)
		check(err)
		check(w.Close())
		fmt.Fprintf(os.Stderr, "qb-tsdb-gen: block %s written\n", time.UnixMilli(blockStart).UTC().Format(time.DateOnly))
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "qb-tsdb-gen:", err)
		os.Exit(1)
	}
}

var (
	currencies = []string{"EUR", "USD", "JPY"}
	grades     = []string{"A", "B", "C", "D"}
	taskTypes  = []string{"labeling", "review", "transcription", "qa"}
	scoreLe    = []string{"10.0", "20.0", "30.0", "40.0", "50.0", "60.0", "70.0", "80.0", "90.0", "100.0", "+Inf"}
	improveLe  = []string{"-50.0", "-20.0", "-10.0", "-5.0", "0.0", "5.0", "10.0", "20.0", "50.0", "+Inf"}
)

// sometimes returns an increment of `by` with probability p per interval.
func sometimes(p, by float64) func(r *rand.Rand) float64 {
	return func(r *rand.Rand) float64 {
		if r.Float64() < p {
			return by
		}
		return 0
	}
}

// fleetLabels are the label sets of the fleet-wide sum records, by key.
var fleetLabels = map[string]labels.Labels{}

// fleet makes s add into the fleet-wide sum record with these labels.
func fleet(s *series, lbls []string) {
	l := labels.FromStrings(lbls...)
	fleetLabels[l.String()] = l
	s.fleetSum = l.String()
}

func fleetOf(agents int) []*series {
	var out []*series
	for a := 0; a < agents; a++ {
		id := fmt.Sprintf("00000000-0000-4000-8000-%012d", a)
		agent := []string{"job", "qb-agent", "instance", fmt.Sprintf("10.0.%d.%d:9464", a/250, a%250+1), "service_instance_id", id, "otel_scope_name", "qb-agent", "otel_scope_version", "0.1.0"}
		add := func(name string, own []string, inc func(r *rand.Rand) float64, carried bool) {
			s := &series{raw: labels.FromStrings(append(append([]string{"__name__", name}, agent...), own...)...), step: inc}
			if carried {
				s.carried = labels.FromStrings(append([]string{"__name__", "service_instance_id:" + name + ":carried", "service_instance_id", id}, own...)...)
			}
			out = append(out, s)
		}
		// The agent's invoices + assessments, as the RESET_WATCH rule sums them.
		pending := 0.0
		watched := func(inc func(r *rand.Rand) float64) func(r *rand.Rand) float64 {
			return func(r *rand.Rand) float64 {
				v := inc(r)
				pending += v
				return v
			}
		}
		add("up", nil, func(*rand.Rand) float64 { return 0 }, false)
		out[len(out)-1].value = 1
		add("qb_agent_build_info", []string{"version", "0.1.0", "nodejs_version", "24.0.0"}, func(*rand.Rand) float64 { return 0 }, false)
		out[len(out)-1].value = 1
		for _, c := range currencies {
			for _, g := range grades {
				own := []string{"currency", c, "quality_grade", g}
				add("quality_billing_invoice_amount_cents_total", own, sometimes(0.05, 12345), true)
				fleet(out[len(out)-1], []string{"__name__", "currency:quality_billing_invoice_amount_cents_total:carried_sum", "currency", c})
				add("quality_billing_invoices_total", own, watched(sometimes(0.05, 1)), true)
				fleet(out[len(out)-1], []string{"__name__", "currency:quality_billing_invoices_total:carried_sum", "currency", c})
				add("quality_billing_billed_time_seconds_total", own, sometimes(0.05, 5400), true)
				fleet(out[len(out)-1], []string{"__name__", "currency_quality_grade:quality_billing_billed_time_seconds_total:carried_sum", "currency", c, "quality_grade", g})
			}
		}
		for _, tt := range taskTypes {
			own := []string{"task_type", tt}
			add("quality_billing_work_time_seconds_total", own, sometimes(0.2, 1800), true)
			add("quality_billing_effective_work_time_seconds_total", own, sometimes(0.2, 1500), true)
			for _, g := range grades {
				add("quality_billing_quality_assessments_total", append([]string{"grade", g}, own...), watched(sometimes(0.1, 1)), true)
			}
			add("quality_billing_quality_score_sum", own, sometimes(0.3, 80), true)
			add("quality_billing_quality_score_count", own, sometimes(0.3, 1), true)
			for _, le := range scoreLe {
				add("quality_billing_quality_score_bucket", append([]string{"le", le}, own...), sometimes(0.2, 1), true)
			}
			add("quality_billing_quality_improvement_points_sum", own, sometimes(0.1, 3), true)
			add("quality_billing_quality_improvement_points_count", own, sometimes(0.1, 1), true)
			for _, le := range improveLe {
				add("quality_billing_quality_improvement_points_bucket", append([]string{"le", le}, own...), sometimes(0.05, 1), true)
			}
		}
		out = append(out, &series{
			raw: labels.FromStrings("__name__", "service_instance_id:quality_billing_invoices_and_assessments:sum_carried", "service_instance_id", id),
			step: func(*rand.Rand) float64 {
				v := pending
				pending = 0
				return v
			},
		})
	}
	return out
}
