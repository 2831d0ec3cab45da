// The ECharts 5.6.0 modules kam draws with, bundled by build.sh into echarts.kam.min.js.
// Add a chart type or component here (and run build.sh) before a page's options use it: an
// option naming a missing one is ignored by ECharts without an error.
import * as echarts from "echarts/core";
import {
  BarChart,
  CustomChart,
  FunnelChart,
  GraphChart,
  HeatmapChart,
  LineChart,
  ScatterChart,
  TreeChart,
} from "echarts/charts";
import {
  AriaComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TitleComponent,
  TooltipComponent,
  VisualMapPiecewiseComponent,
} from "echarts/components";
import { CanvasRenderer, SVGRenderer } from "echarts/renderers";

echarts.use([
  BarChart,
  CustomChart,
  FunnelChart,
  GraphChart,
  HeatmapChart,
  LineChart,
  ScatterChart,
  TreeChart,
  AriaComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TitleComponent,
  TooltipComponent,
  VisualMapPiecewiseComponent,
  CanvasRenderer,
  SVGRenderer,
]);

window.echarts = echarts;
