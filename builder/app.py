"""The builder's route table: the pages where a council's designers build services and its
publishers publish them, at /staff/{council}/services. The composition root hands these routes
to the staff app (`create_staff_app(installation, builder_routes())`), so they share its
sign-in, roles, navigation and error pages; the runtime never imports the builder.

| who | may |
|---|---|
| designer | see the services, start one, change drafts, undo and redo |
| publisher | see the services and drafts, publish |
| admin | all of it |
"""

from __future__ import annotations

import functools

from starlette.routing import BaseRoute, Route

from builder import (
    catalogue_pages,
    catalogue_preview,
    catalogue_subscription_pages,
    catalogue_suggestion_pages,
    catalogue_upgrade_pages,
    condition_pages,
    draft_pages,
    fee_pages,
    history_pages,
    inline_edits,
    json_pages,
    preview_lists,
    preview_pages,
    publishing,
    question_pages,
    routes_pages,
    service_list,
    service_text_pages,
    welsh_pages,
    workflow_pages,
)
from builder.draft_requests import BUILDER_ROLES, EDITOR_ROLES, PUBLISHER_ROLES
from builder.preview_state import Loader, PreviewHandler
from runtime.staff.context import Handler, staff_only

GET, POST, BOTH = ["GET"], ["POST"], ["GET", "POST"]


def _page_routes(page: str) -> list[BaseRoute]:
    """A page's questions (named by their answer: address.postcode) and its condition: editors
    only (builder/question_pages.py, builder/condition_pages.py); its preview, fetched again
    after an inline edit (builder/inline_edits.py)."""
    question = page + "/questions/{answer}"
    return [
        Route(page + "/add-question", staff_only(question_pages.add_question_form, roles=EDITOR_ROLES), methods=BOTH,
              name="add_question"),
        Route(question, staff_only(question_pages.edit_question_form, roles=EDITOR_ROLES), methods=BOTH,
              name="edit_question"),
        Route(question + "/wording", staff_only(question_pages.question_wording_form, roles=EDITOR_ROLES),
              methods=BOTH, name="question_wording"),
        Route(question + "/move", staff_only(question_pages.move_question_button, roles=EDITOR_ROLES), methods=POST,
              name="move_question"),
        Route(question + "/delete", staff_only(question_pages.delete_question_form, roles=EDITOR_ROLES),
              methods=BOTH, name="delete_question"),
        Route(question + "/move-option", staff_only(question_pages.move_option_button, roles=EDITOR_ROLES),
              methods=POST, name="move_option"),
        Route(page + "/duplicate", staff_only(draft_pages.duplicate_page, roles=EDITOR_ROLES), methods=POST,
              name="duplicate_page"),
        Route(page + "/condition", staff_only(condition_pages.page_condition, roles=EDITOR_ROLES), methods=BOTH,
              name="page_condition"),
        Route(page + "/preview", staff_only(inline_edits.page_preview, roles=BUILDER_ROLES), methods=GET,
              name="page_preview"),
        Route(page + "/condition/json", staff_only(condition_pages.page_condition_json, roles=EDITOR_ROLES),
              methods=BOTH, name="page_condition_json"),
    ]


def builder_routes() -> list[BaseRoute]:
    services = "/{council}/services"
    draft = services + "/{service_id}"
    page = draft + "/pages/{page_id}"
    return [
        Route(services, staff_only(service_list.services, roles=BUILDER_ROLES), methods=GET, name="services"),
        Route(services + "/new", staff_only(service_list.new_service, roles=EDITOR_ROLES), methods=BOTH,
              name="new_service"),
        Route(draft, staff_only(draft_pages.service_draft, roles=BUILDER_ROLES), methods=GET, name="service_draft"),
        Route(draft + "/draft", staff_only(draft_pages.start_draft, roles=EDITOR_ROLES), methods=POST,
              name="start_draft"),
        Route(draft + "/undo", staff_only(draft_pages.undo_change, roles=EDITOR_ROLES), methods=POST,
              name="undo_change"),
        Route(draft + "/redo", staff_only(draft_pages.redo_change, roles=EDITOR_ROLES), methods=POST,
              name="redo_change"),
        Route(draft + "/pages/new", staff_only(question_pages.add_page, roles=EDITOR_ROLES), methods=BOTH,
              name="add_question_page"),
        Route(draft + "/content-pages/new", staff_only(question_pages.add_text_page, roles=EDITOR_ROLES),
              methods=BOTH, name="add_text_page"),
        Route(draft + "/list-pages/new", staff_only(question_pages.add_list_page, roles=EDITOR_ROLES),
              methods=BOTH, name="add_list_page"),
        Route(draft + "/routes", staff_only(routes_pages.service_routes, roles=BUILDER_ROLES), methods=GET,
              name="service_routes"),
        Route(draft + "/words", staff_only(service_text_pages.service_words, roles=EDITOR_ROLES), methods=BOTH,
              name="service_words"),
        Route(page, staff_only(question_pages.edit_page_form, roles=BUILDER_ROLES), methods=BOTH,
              name="edit_question_page"),
        *_page_routes(page),
        Route(page + "/move", staff_only(draft_pages.move_page, roles=EDITOR_ROLES), methods=POST, name="move_page"),
        Route(page + "/delete", staff_only(draft_pages.delete_page, roles=EDITOR_ROLES), methods=BOTH,
              name="delete_page"),
        Route(draft + "/publish", staff_only(publishing.publish_service, roles=PUBLISHER_ROLES), methods=BOTH,
              name="publish_service"),
        *_preview_routes(draft + "/preview"),
        *_draft_tool_routes(draft),
        *_catalogue_routes("/{council}/catalogue"),
    ]


def _catalogue_routes(catalogue: str) -> list[BaseRoute]:
    """The services Borough ships and the catalogues the installation subscribes to
    (builder/catalogue_pages.py), a version previewed as residents would see it
    (builder/catalogue_preview.py) and the council's imported services' updates
    (builder/catalogue_upgrade_pages.py)."""
    service = catalogue + "/services/{publisher}/{service}"
    return [
        *_preview_routes(service + "/versions/{version}/preview", catalogue_preview.ROUTES,
                         catalogue_preview.catalogue_source),
        Route(catalogue, staff_only(catalogue_pages.browse, roles=BUILDER_ROLES), methods=GET, name="catalogue"),
        Route(catalogue + "/updates", staff_only(catalogue_upgrade_pages.service_updates, roles=BUILDER_ROLES),
              methods=GET, name="catalogue_updates"),
        Route(catalogue + "/updates/{service_id}",
              staff_only(catalogue_upgrade_pages.upgrade_service, roles=EDITOR_ROLES), methods=BOTH,
              name="catalogue_upgrade"),
        *_suggestion_routes(catalogue),
        *_subscription_routes(catalogue),
        Route(service, staff_only(catalogue_pages.service, roles=BUILDER_ROLES), methods=GET,
              name="catalogue_service"),
        Route(service + "/use", staff_only(catalogue_pages.use_service, roles=EDITOR_ROLES), methods=BOTH,
              name="catalogue_use"),
    ]


def _subscription_routes(catalogue: str) -> list[BaseRoute]:
    """The catalogues the installation subscribes to (builder/catalogue_subscription_pages.py):
    listed to whoever browses the catalogue; subscribing, syncing and unsubscribing are the
    installation's, so an installation operator's."""
    pages = catalogue_subscription_pages
    one = catalogue + "/catalogues/{subscription}"
    return [
        Route(catalogue + "/catalogues", staff_only(pages.catalogues, roles=BUILDER_ROLES), methods=GET,
              name="catalogue_subscriptions"),
        Route(catalogue + "/catalogues/subscribe", staff_only(pages.subscribe, roles=BUILDER_ROLES, operator=True),
              methods=BOTH, name="catalogue_subscribe"),
        Route(one + "/sync", staff_only(pages.sync_now, roles=BUILDER_ROLES, operator=True), methods=POST,
              name="catalogue_sync"),
        Route(one + "/sync", staff_only(pages.sync_status, roles=BUILDER_ROLES, operator=True), methods=GET,
              name="catalogue_sync_status"),
        Route(one + "/unsubscribe", staff_only(pages.unsubscribe, roles=BUILDER_ROLES, operator=True), methods=BOTH,
              name="catalogue_unsubscribe"),
    ]


def _suggestion_routes(catalogue: str) -> list[BaseRoute]:
    """Changes a council suggests to a service it imported, and those other councils suggest
    to the council's own (builder/catalogue_suggestion_pages.py): designers suggest and apply,
    designers and publishers read, upload and dismiss."""
    pages = catalogue_suggestion_pages
    one = catalogue + "/suggestions/{suggestion_id:int}"
    return [
        Route(catalogue + "/updates/{service_id}/suggest", staff_only(pages.suggest, roles=EDITOR_ROLES),
              methods=BOTH, name="catalogue_suggest"),
        Route(catalogue + "/suggestions", staff_only(pages.suggestion_list, roles=BUILDER_ROLES), methods=GET,
              name="catalogue_suggestions"),
        Route(catalogue + "/suggestions/upload", staff_only(pages.upload_suggestion, roles=BUILDER_ROLES),
              methods=BOTH, name="catalogue_suggestion_upload"),
        Route(one + "/patch", staff_only(pages.suggestion_patch, roles=BUILDER_ROLES), methods=GET,
              name="catalogue_suggestion_patch"),
        Route(one + "/apply", staff_only(pages.apply_suggestion, roles=EDITOR_ROLES), methods=POST,
              name="catalogue_suggestion_apply"),
        Route(one + "/dismiss", staff_only(pages.dismiss_suggestion, roles=BUILDER_ROLES), methods=POST,
              name="catalogue_suggestion_dismiss"),
    ]


def _preview_routes(preview: str, names: str = "", source: Loader | None = None) -> list[BaseRoute]:
    """What residents will see, walked through (builder/preview_pages.py): a draft's, or with a
    `source` and route `names` prefix, whatever else it finds (a catalogue's version). Page ids
    never take the runtime's own step names (check-answers, payment, confirmation, save), so
    these come first."""

    def shown(handler: PreviewHandler) -> Handler:
        return functools.partial(handler, source=source) if source is not None else handler

    def route(tail: str, handler: PreviewHandler, methods: list[str], name: str) -> Route:
        return Route(preview + tail, staff_only(shown(handler), roles=BUILDER_ROLES), methods=methods,
                     name=names + name)

    return [
        route("", preview_pages.preview_start, GET, "preview_start"),
        route("/start", preview_pages.preview_begin, POST, "preview_begin"),
        route("/check-answers", preview_pages.preview_check_answers, BOTH, "preview_check_answers"),
        route("/payment", preview_pages.preview_payment, BOTH, "preview_payment"),
        route("/confirmation", preview_pages.preview_confirmation, GET, "preview_confirmation"),
        route("/save", preview_pages.preview_save, GET, "preview_save"),
        route("/{page_id}", preview_pages.preview_page, BOTH, "preview_page"),
        route("/{page_id}/items/{item}", preview_lists.preview_item, BOTH, "preview_item"),
        route("/{page_id}/items/{item}/remove", preview_lists.preview_remove_item, BOTH, "preview_remove_item"),
    ]


def _draft_tool_routes(draft: str) -> list[BaseRoute]:
    """A draft's fees and their conditions, workflow, Welsh, JSON and history (builder/fee_pages.py,
    condition_pages.py, workflow_pages.py, welsh_pages.py, json_pages.py, history_pages.py).
    Posting the Welsh page, the spreadsheet or the JSON needs an editor."""
    fee = draft + "/fees/{line_id}"
    return [
        Route(draft + "/fees", staff_only(fee_pages.service_fees, roles=BUILDER_ROLES), methods=GET,
              name="service_fees"),
        Route(draft + "/fees/new", staff_only(fee_pages.add_fee, roles=EDITOR_ROLES), methods=BOTH, name="add_fee"),
        Route(fee, staff_only(fee_pages.edit_fee, roles=EDITOR_ROLES), methods=BOTH, name="edit_fee"),
        Route(fee + "/move", staff_only(fee_pages.move_fee, roles=EDITOR_ROLES), methods=POST, name="move_fee"),
        Route(fee + "/remove", staff_only(fee_pages.remove_fee, roles=EDITOR_ROLES), methods=POST, name="remove_fee"),
        Route(fee + "/condition", staff_only(condition_pages.fee_condition, roles=EDITOR_ROLES), methods=BOTH,
              name="fee_condition"),
        Route(fee + "/condition/json", staff_only(condition_pages.fee_condition_json, roles=EDITOR_ROLES),
              methods=BOTH, name="fee_condition_json"),
        *_workflow_routes(draft + "/workflow"),
        Route(draft + "/welsh", staff_only(welsh_pages.service_welsh, roles=BUILDER_ROLES), methods=BOTH,
              name="service_welsh"),
        Route(draft + "/welsh/offer", staff_only(welsh_pages.offer_welsh, roles=EDITOR_ROLES), methods=POST,
              name="offer_welsh"),
        Route(draft + "/welsh/spreadsheet", staff_only(welsh_pages.welsh_sheet, roles=BUILDER_ROLES), methods=BOTH,
              name="welsh_sheet"),
        Route(draft + "/json", staff_only(json_pages.service_json, roles=BUILDER_ROLES), methods=BOTH,
              name="service_json"),
        Route(draft + "/json/file", staff_only(json_pages.download_definition, roles=BUILDER_ROLES), methods=GET,
              name="download_definition"),
        Route(draft + "/history", staff_only(history_pages.service_history, roles=BUILDER_ROLES), methods=GET,
              name="service_history"),
        Route(draft + "/history/{version}/restore", staff_only(history_pages.restore_version, roles=EDITOR_ROLES),
              methods=POST, name="restore_version"),
    ]


def _workflow_routes(workflow: str) -> list[BaseRoute]:
    """A draft's workflow (builder/workflow_pages.py): a state's name never has a hyphen."""
    state = workflow + "/{state}"
    return [
        Route(workflow, staff_only(workflow_pages.service_workflow, roles=BUILDER_ROLES), methods=GET,
              name="service_workflow"),
        Route(workflow + "/new-state", staff_only(workflow_pages.add_state, roles=EDITOR_ROLES), methods=BOTH,
              name="add_state"),
        Route(state, staff_only(workflow_pages.edit_state, roles=EDITOR_ROLES), methods=BOTH, name="edit_state"),
        Route(state + "/remove", staff_only(workflow_pages.remove_state, roles=EDITOR_ROLES), methods=POST,
              name="remove_state"),
        Route(state + "/initial", staff_only(workflow_pages.initial_state, roles=EDITOR_ROLES), methods=POST,
              name="initial_state"),
        Route(state + "/events/new", staff_only(workflow_pages.add_event, roles=EDITOR_ROLES), methods=BOTH,
              name="add_event"),
        Route(state + "/events/{event}", staff_only(workflow_pages.edit_event, roles=EDITOR_ROLES), methods=BOTH,
              name="edit_event"),
        Route(state + "/events/{event}/remove", staff_only(workflow_pages.remove_event, roles=EDITOR_ROLES),
              methods=POST, name="remove_event"),
        Route(state + "/timers/new", staff_only(workflow_pages.add_timer, roles=EDITOR_ROLES), methods=BOTH,
              name="add_timer"),
        Route(state + "/timers/remove", staff_only(workflow_pages.remove_timer, roles=EDITOR_ROLES), methods=POST,
              name="remove_timer"),
    ]
