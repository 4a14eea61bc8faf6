import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** A small uPlot time-series chart; x in seconds since the epoch, one array per series. */
export function Chart(props: { title: string; series: Array<{ label: string; stroke: string }>; data: number[][] }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  useEffect(() => {
    if (!box.current) return;
    const width = Math.min(560, box.current.clientWidth || 560);
    plot.current = new uPlot(
      {
        width,
        height: 180,
        series: [{}, ...props.series.map((s) => ({ label: s.label, stroke: s.stroke, width: 2 }))],
        axes: [{ stroke: 'currentColor' }, { stroke: 'currentColor' }],
        legend: { show: true },
      },
      props.data as uPlot.AlignedData,
      box.current,
    );
    return () => plot.current?.destroy();
  }, [props.series.length]);
  useEffect(() => {
    plot.current?.setData(props.data as uPlot.AlignedData);
  }, [props.data]);
  return (
    <figure class="chart">
      <figcaption>{props.title}</figcaption>
      <div ref={box} />
    </figure>
  );
}
