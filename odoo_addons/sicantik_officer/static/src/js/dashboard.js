/** @odoo-module **/
/*
 * The officers' dashboard: the tiles (kanban of sicantik.dashboard.kpi) above
 * the charts the server declares (graph views of the permits and signatures,
 * under the user's record rules).  Each part is a regular Odoo view, so a
 * tile still opens its list and a bar still opens the records it counts.
 */
import { Component, onWillStart } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { View } from "@web/views/view";

export class SicantikDashboard extends Component {
    static template = "sicantik_officer.Dashboard";
    static components = { View };
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.charts = [];
        onWillStart(async () => {
            this.charts = await this.orm.call(
                "sicantik.dashboard.kpi",
                "get_dashboard_charts",
                []
            );
        });
    }

    get tilesProps() {
        return {
            resModel: "sicantik.dashboard.kpi",
            type: "kanban",
            display: { controlPanel: false },
        };
    }

    chartProps(chart) {
        return {
            resModel: chart.model,
            type: "graph",
            viewId: chart.view_id,
            domain: chart.domain,
            context: chart.context,
            display: { controlPanel: false },
        };
    }
}

registry.category("actions").add("sicantik_officer.dashboard", SicantikDashboard);
