"""A report's text is never lost (issue 17): the draft is autosaved as the reader types, and
text typed after the session expired comes back from the browser's copy after logging in again."""

from pimm.worklist import models as w
from tests.e2e.conftest import login, menu


def test_report_text_survives_a_reload_and_a_lost_session(page):
    login(page, "radiologue")
    menu(page, "Ma lecture")
    rows = page.locator("#queue-table tr.queue-row")
    rows.first.wait_for()
    href = rows.first.locator("a").get_attribute("href")
    exam_id = int(href.rstrip("/").split("/")[-1])
    page.goto(page.base + href)
    page.locator("#id_text").fill("")
    page.locator("#id_text").press_sequentially("Scanner thoracique : pas d'embolie.", delay=5)
    # autosaved on the server two seconds after the last keystroke
    for _ in range(40):
        report = w.Report.objects.filter(exam_id=exam_id).first()
        if report and report.text == "Scanner thoracique : pas d'embolie.":
            break
        page.wait_for_timeout(250)
    assert report is not None and report.text == "Scanner thoracique : pas d'embolie."
    page.reload()
    assert page.input_value("#id_text") == "Scanner thoracique : pas d'embolie."
    # the session expires while the reader goes on typing: the server cannot save it
    page.context.clear_cookies()
    page.locator("#id_text").press("Control+End")
    page.locator("#id_text").press_sequentially(" Conclusion : normal.", delay=5)
    page.wait_for_timeout(2500)
    assert w.Report.objects.get(exam_id=exam_id).text == "Scanner thoracique : pas d'embolie."
    login(page, "radiologue")
    page.goto(page.base + href)
    assert (
        page.input_value("#id_text") == "Scanner thoracique : pas d'embolie. Conclusion : normal."
    )
    assert page.locator("#draft-restored").is_visible()
