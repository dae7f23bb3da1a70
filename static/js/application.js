// Start GOV.UK Frontend components (header menu, radios, error summary focus...).
import { initAll } from "/static/vendor/govuk/govuk-frontend.min.js";

initAll();
