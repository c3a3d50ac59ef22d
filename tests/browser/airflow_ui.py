"""
Airflow 3.3's Connections page, as the browser tests use it: log in (SimpleAuthManager), open the Add
Connection dialog for a type, read and fill its sections, save.

Every wait is bounded (``WAIT_SECONDS``); the locators are the ones Airflow's UI renders (Chakra's
``data-part`` attributes, the form's ``name`` attributes, the visible texts).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.scheduler.conftest import ADMIN_USER, AirflowStack

WAIT_SECONDS = 30.0
#: The dialog's sections (accordion items): one open at a time.
STANDARD_FIELDS = "Standard Fields"
EXTRA_FIELDS = "Extra Fields"


@dataclass(frozen=True)
class FormRow:
    """
    One labelled row of the dialog as shown.

    :param label: the label's text, without the required marker.
    :param required: the label carries the required marker.
    :param help_text: the text under the field ("" when none).
    :param element: the row, to find its input in.
    """

    label: str
    required: bool
    help_text: str
    element: WebElement


class AddConnectionDialog:
    """
    The open Add Connection dialog.

    :param driver: the browser.
    :param element: the dialog (``role=dialog``).
    """

    def __init__(self, driver: WebDriver, element: WebElement) -> None:
        self.driver = driver
        self.element = element
        self.wait = WebDriverWait(driver, WAIT_SECONDS)

    def _trigger(self, title: str) -> WebElement:
        return self.element.find_element(
            By.XPATH, f".//button[@data-part='item-trigger'][normalize-space()='{title}']"
        )

    def open_section(self, title: str) -> None:
        """Open the section ``title`` (closing the one open)."""
        trigger = self._trigger(title)
        if trigger.get_attribute("aria-expanded") != "true":
            trigger.click()
        self.wait.until(lambda _: self._trigger(title).get_attribute("aria-expanded") == "true")
        content_id = self._trigger(title).get_attribute("aria-controls")
        self.wait.until(ec.visibility_of_element_located((By.ID, str(content_id))))

    def section_in_error(self, title: str) -> bool:
        """The section's title shows an error mark (a required field is empty)."""
        return bool(self._trigger(title).find_elements(By.CSS_SELECTOR, "svg"))

    def rows(self) -> list[FormRow]:
        """The labelled rows shown now (the connection id and type, then the open section's)."""
        rows = []
        for root in self.element.find_elements(By.CSS_SELECTOR, "[data-scope=field][data-part=root]"):
            if not root.is_displayed():
                continue
            labels = root.find_elements(By.CSS_SELECTOR, "label[data-part=label]")
            if not labels:
                continue
            label = labels[0]
            helpers = root.find_elements(By.CSS_SELECTOR, "[data-part=helper-text]")
            rows.append(
                FormRow(
                    label=label.text.replace("*", "").strip(),
                    required=label.find_elements(By.CSS_SELECTOR, ".chakra-field__requiredIndicator") != [],
                    help_text=helpers[0].text.strip() if helpers else "",
                    element=root,
                )
            )
        return rows

    def input(self, name: str) -> WebElement:
        """The input (or textarea) called ``name``."""
        return self.element.find_element(By.CSS_SELECTOR, f"[name='{name}']")

    def type(self, name: str, text: str, *, clear: bool = False) -> None:
        """Type ``text`` into the input ``name`` (after selecting what it holds, with ``clear``)."""
        field = self.input(name)
        if clear:
            field.send_keys(Keys.CONTROL, "a")
        field.send_keys(text)

    def choose(self, row: FormRow, option: str) -> None:
        """Pick ``option`` in the drop-down of ``row``."""
        combobox = row.element.find_element(By.CSS_SELECTOR, "input[role=combobox]")
        combobox.click()
        self.wait.until(
            ec.visibility_of_element_located((By.XPATH, f"//*[@role='option'][normalize-space()='{option}']"))
        ).click()

    def save_button(self) -> WebElement:
        return self.element.find_element(By.XPATH, ".//button[normalize-space()='Save']")

    def save(self) -> None:
        """Save, and wait for the dialog to close."""
        self.wait.until(lambda _: self.save_button().is_enabled())
        self.save_button().click()
        self.wait.until(ec.staleness_of(self.element))

    def screenshot(self, path: Path) -> None:
        """A PNG of the dialog as it is shown."""
        # Let the open section finish its animation.
        self.driver.execute_script("document.activeElement && document.activeElement.blur()")
        self.element.screenshot(str(path))


def open_logged_in(
    driver: WebDriver, stack: AirflowStack, url: str, shown: Callable[[WebDriver], bool]
) -> None:
    """
    Open ``url`` of the stack's UI, logging in as ``admin`` when the UI asks first, and wait until
    ``shown`` says the page is there.
    """
    wait = WebDriverWait(driver, WAIT_SECONDS)
    driver.get(url)
    wait.until(lambda driver: "/auth/login" in driver.current_url or shown(driver))
    if "/auth/login" in driver.current_url:
        username = wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, "input[name=username]")))
        username.send_keys(ADMIN_USER)
        driver.find_element(By.CSS_SELECTOR, "input[name=password]").send_keys(stack.admin_password)
        driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait.until(lambda driver: "/auth/" not in driver.current_url)
        driver.get(url)
    wait.until(shown)


class ConnectionsPage:
    """
    Admin > Connections of the stack's api-server.

    :param driver: the browser.
    :param stack: the api-server it serves.
    """

    def __init__(self, driver: WebDriver, stack: AirflowStack) -> None:
        self.driver = driver
        self.stack = stack
        self.wait = WebDriverWait(driver, WAIT_SECONDS)

    def open(self) -> None:
        """Open the page (unless it is open, with no dialog), logging in as ``admin`` when asked to."""
        url = f"{self.stack.api_url}/connections"
        if self.driver.current_url == url and self._add_buttons() and not self._dialogs():
            return
        open_logged_in(self.driver, self.stack, url, lambda _: bool(self._add_buttons()))

    def _dialogs(self) -> list[WebElement]:
        return list(self.driver.find_elements(By.CSS_SELECTOR, "[role=dialog]"))

    def _add_buttons(self) -> list[WebElement]:
        return [
            button
            for button in self.driver.find_elements(By.XPATH, "//button[normalize-space()='Add Connection']")
            if button.is_enabled()
        ]

    def add_connection(self, hook_name: str) -> AddConnectionDialog:
        """Open the Add Connection dialog with the type listed as ``hook_name`` chosen."""
        self._add_buttons()[0].click()
        dialog = self.wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, "[role=dialog]")))
        combobox = self.wait.until(
            ec.element_to_be_clickable((By.CSS_SELECTOR, "[role=dialog] input[role=combobox]"))
        )
        combobox.send_keys(hook_name)
        try:
            self.wait.until(
                ec.visibility_of_element_located(
                    (By.XPATH, f"//*[@role='option'][normalize-space()='{hook_name}']")
                )
            ).click()
        except TimeoutException:
            listed = [option.text for option in self.driver.find_elements(By.CSS_SELECTOR, "[role=option]")]
            raise AssertionError(
                f"no connection type {hook_name!r} in the list; it offers {listed}"
            ) from None
        self.wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, "[role=dialog] [name=password]")))
        return AddConnectionDialog(self.driver, dialog)


class TaskLogPage:
    """
    A task instance's page (its Logs tab opens first), lines wrapped to the panel's width.

    :param driver: the browser.
    :param stack: the api-server it serves.
    """

    def __init__(self, driver: WebDriver, stack: AirflowStack) -> None:
        self.driver = driver
        self.stack = stack
        self.wait = WebDriverWait(driver, WAIT_SECONDS)

    def open(self, dag_id: str, run_id: str, task_id: str, showing: str) -> None:
        """Open the task's log and wait until a line holds ``showing``; wrap its lines."""
        url = f"{self.stack.api_url}/dags/{dag_id}/runs/{run_id}/tasks/{task_id}"
        open_logged_in(self.driver, self.stack, url, lambda _: showing in self.log_text())
        # The log viewer's own hotkey toggles wrapping (its Log Settings menu says so).
        self.driver.find_element(By.TAG_NAME, "body").send_keys("w")
        self.wait.until(lambda _: self._wrapped())

    def log_text(self) -> str:
        """The log lines shown."""
        found = self.driver.find_elements(By.CSS_SELECTOR, "[data-testid=virtualized-list]")
        return "\n".join(element.text for element in found)

    def _wrapped(self) -> bool:
        """No log line runs past the panel's width (no horizontal scrolling left)."""
        return bool(
            self.driver.execute_script(
                "const box = document.querySelector('[data-testid=virtual-scroll-container]');"
                "return box !== null && box.scrollWidth <= box.clientWidth + 1;"
            )
        )

    def screenshot(self, path: Path) -> None:
        """A PNG of the window as it is shown."""
        self.driver.execute_script("document.activeElement && document.activeElement.blur()")
        self.driver.save_screenshot(str(path))
