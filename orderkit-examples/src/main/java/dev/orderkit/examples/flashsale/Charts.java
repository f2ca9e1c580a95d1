package dev.orderkit.examples.flashsale;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;

/**
 * The demo's chart (XChart, headless): units sold per SKU over time and the hot SKU's stock on the
 * left axis, checkout latency percentiles per time bucket on the right axis; written as PNG and SVG.
 */
final class Charts {
    private Charts() {}

    private static void latency(XYSeries series, Color color) {
        series.setYAxisGroup(1);
        series.setLineColor(color);
        series.setMarkerColor(color);
    }

    static void write(
            Collection<FlashSaleDemo.Sale> sales,
            Collection<FlashSaleDemo.Sample> samples,
            Map<String, Long> initial,
            long saleMs,
            Path png,
            Path svg)
            throws IOException {
        long bucketMs = Math.max(250, (saleMs / 40 + 249) / 250 * 250); // whole quarter seconds
        int buckets = (int) (saleMs / bucketMs) + 1;
        List<FlashSaleDemo.Sale> ordered = new ArrayList<>(sales);
        ordered.sort(Comparator.comparingLong(FlashSaleDemo.Sale::atMs));

        XYChart chart = new XYChart(1100, 650);
        chart.setTitle("orderkit flash sale: units sold and checkout latency over time");
        chart.setXAxisTitle("seconds since the sale opened");
        chart.setYAxisGroupTitle(0, "units");
        chart.setYAxisGroupTitle(1, "latency (ms)");
        chart.getStyler().setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        chart.getStyler().setMarkerSize(3);

        double[] x = new double[buckets];
        for (int b = 0; b < buckets; b++) {
            x[b] = (b + 1) * bucketMs / 1000.0;
        }
        for (String sku : initial.keySet()) {
            double[] y = new double[buckets];
            double[] stock = new double[buckets];
            long cumulative = 0;
            long level = initial.get(sku);
            int i = 0;
            for (int b = 0; b < buckets; b++) {
                long end = (b + 1) * bucketMs;
                while (i < ordered.size() && ordered.get(i).atMs() < end) {
                    FlashSaleDemo.Sale s = ordered.get(i++);
                    if (s.sku().equals(sku)) {
                        cumulative += s.delta();
                    } else if (s.sku().equals("stock:" + sku)) {
                        level += s.delta();
                    }
                }
                y[b] = cumulative;
                stock[b] = level;
            }
            chart.addSeries(sku + " sold", x, y).setYAxisGroup(0);
            if (sku.equals(FlashSaleDemo.HOT)) {
                XYSeries s = chart.addSeries(sku + " stock", x, stock);
                s.setYAxisGroup(0);
            }
        }
        Histogram[] perBucket = new Histogram[buckets];
        for (FlashSaleDemo.Sample s : samples) {
            int b = (int) Math.min(buckets - 1, s.atMs() / bucketMs);
            if (perBucket[b] == null) {
                perBucket[b] = new Histogram(TimeUnit.MINUTES.toMicros(5), 2);
            }
            perBucket[b].recordValue(Math.min(s.micros(), TimeUnit.MINUTES.toMicros(5)));
        }
        List<Double> lx = new ArrayList<>();
        List<Double> p50 = new ArrayList<>();
        List<Double> p95 = new ArrayList<>();
        List<Double> p99 = new ArrayList<>();
        for (int b = 0; b < buckets; b++) {
            Histogram h = perBucket[b];
            if (h != null) {
                lx.add(x[b]);
                p50.add(h.getValueAtPercentile(50) / 1000.0);
                p95.add(h.getValueAtPercentile(95) / 1000.0);
                p99.add(h.getValueAtPercentile(99) / 1000.0);
            }
        }
        if (!lx.isEmpty()) {
            latency(chart.addSeries("latency p50 (ms)", lx, p50), new Color(0x9e, 0x9e, 0x9e));
            latency(chart.addSeries("latency p95 (ms)", lx, p95), new Color(0xe6, 0x55, 0x0d));
            latency(chart.addSeries("latency p99 (ms)", lx, p99), new Color(0xb2, 0x18, 0x2b));
        }
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
        VectorGraphicsEncoder.saveVectorGraphic(chart, svg.toString(), VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
    }
}
