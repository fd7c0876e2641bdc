"""Jinja templates -> HTML. Templates lay out values; they never compute what the model should."""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from generator.config import SiteConfig
from generator.errors import UserError
from generator.pages import Page
from generator.urls import Urls

DEFAULT_THEME = "default"
# In a checkout (and an editable install) the default theme is the repository's themes/default;
# the wheel carries the same folder as generator/themes/default (pyproject.toml, force-include).
_CHECKOUT_THEME = Path(__file__).resolve().parent.parent / "themes" / DEFAULT_THEME


def default_theme() -> Path:
    """The folder of the default theme that comes with Broadsheet."""
    packaged = resources.files("generator") / "themes" / DEFAULT_THEME
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged
    return _CHECKOUT_THEME


def theme_dirs(config: SiteConfig, kind: str) -> list[Path]:
    """The site's `themes/<theme>/<kind>` folder first, then the packaged default theme's: a site
    overrides single templates (or static files) and inherits everything else, partials included.

    A theme named in site.yaml that the site does not have is the user's mistake (UserError).
    """
    own = config.root / "themes" / config.theme
    if config.theme != DEFAULT_THEME and not own.is_dir():
        raise UserError("theme not found", own)
    return [folder for folder in (own / kind, default_theme() / kind) if folder.is_dir()]


def make_environment(config: SiteConfig, site_urls: Urls) -> jinja2.Environment:
    dirs = theme_dirs(config, "templates")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in dirs]),
        autoescape=True,  # every value is untrusted text unless a template says otherwise
        auto_reload=False,  # templates do not change during a build; checking costs a stat per page
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(site=config, href=site_urls.href, absolute=site_urls.absolute)
    return env


def render_page(env: jinja2.Environment, page: Page, values: Mapping[str, Any]) -> str:
    """`values`: the page's context, completed with what it shows of its papers (writer.Renderer)."""
    template = env.get_template(page.template)
    return template.render(page_path=page.path, **values)
