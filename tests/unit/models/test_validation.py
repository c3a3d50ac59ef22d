from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

import pytest
from pydantic import BaseModel, Field, StrictInt

from airflow_provider_audio.exceptions import AudioInputError
from airflow_provider_audio.models.validation import (
    PassThroughModel,
    format_path,
    load_json_input,
    validate_model,
)


class Quality(BaseModel):
    resolution: Literal["standard", "good", "highest", "lossless"]
    sample_rate: StrictInt = Field(alias="sampleRate", ge=8000)


class Qualities(BaseModel):
    qualities: list[Quality] = Field(min_length=1)


class Item(PassThroughModel):
    item_name: str = Field(alias="itemName")
    count: int = 0


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (
            ("production", "arrangement", "sections", 0, "layers", 1),
            "production.arrangement.sections[0].layers[1]",
        ),
        (("assets", "script 0", "text"), 'assets["script 0"].text'),
        (("assets", "1.1"), 'assets["1.1"]'),
        ((0, "name"), "[0].name"),
        ((), ""),
    ],
)
def test_format_path(parts: tuple[str | int, ...], expected: str) -> None:
    assert format_path(parts) == expected


def test_validate_model_returns_the_model() -> None:
    model = validate_model(
        Qualities, {"qualities": [{"resolution": "good", "sampleRate": 44100}]}, "media qualities"
    )
    assert model.qualities[0].sample_rate == 44100


def test_validate_model_lists_every_problem_with_allowed_values() -> None:
    data = {
        "qualities": [
            {"resolution": "good", "sampleRate": 44100},
            {"resolution": "4k", "sampleRate": 100},
            {},
        ]
    }

    with pytest.raises(AudioInputError) as excinfo:
        validate_model(Qualities, data, "media qualities")

    assert excinfo.value.subject == "media qualities"
    assert excinfo.value.problems == [
        "qualities[1].resolution: got '4k'; allowed values: 'standard', 'good', 'highest' or 'lossless'",
        "qualities[1].sampleRate: Input should be greater than or equal to 8000 (got 100)",
        "qualities[2].resolution: Field required",
        "qualities[2].sampleRate: Field required",
    ]


def test_validate_model_names_the_subject_for_the_whole_input() -> None:
    with pytest.raises(AudioInputError) as excinfo:
        validate_model(Qualities, "lossless", "media qualities")
    assert excinfo.value.problems == ["media qualities: Input should be an object (got 'lossless')"]


def test_pass_through_model_keeps_unknown_fields_and_key_order() -> None:
    item = Item.model_validate({"extra": [1], "count": 2, "itemName": "a"})
    assert item.model_dump(by_alias=True, exclude_unset=True) == {"extra": [1], "count": 2, "itemName": "a"}
    assert list(item.model_dump(by_alias=True)) == ["extra", "count", "itemName"]
    assert list(item.model_dump()) == ["extra", "count", "item_name"]
    assert Item(item_name="b").model_dump(by_alias=True) == {"itemName": "b", "count": 0}


def test_load_json_input_from_a_mapping() -> None:
    data = {"header": {"version": "1"}}
    assert load_json_input(data, "audioform") == data


def test_load_json_input_from_json_text() -> None:
    assert load_json_input('  {"b": 1, "a": [2]}\n', "audioform") == {"b": 1, "a": [2]}


@pytest.mark.parametrize("as_path", [str, Path])
def test_load_json_input_from_a_file(tmp_path: Path, as_path: type[str] | type[Path]) -> None:
    path = tmp_path / "audioform.json"
    path.write_text(json.dumps({"assets": {}, "ünïcode": "é"}), encoding="utf-8")
    assert load_json_input(as_path(path), "audioform") == {"assets": {}, "ünïcode": "é"}


def test_load_json_input_bad_json_text_gives_line_and_column() -> None:
    with pytest.raises(AudioInputError) as excinfo:
        load_json_input('{\n  "a": 1,\n  "b" 2\n}', "audioform")
    assert excinfo.value.problems == [
        "JSON text: invalid JSON at line 3, column 7: Expecting ':' delimiter",
    ]


def test_load_json_input_bad_json_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"a": 1,}', encoding="utf-8")
    with pytest.raises(AudioInputError) as excinfo:
        load_json_input(path, "audioform")
    (problem,) = excinfo.value.problems
    assert problem.startswith(f"{path}: invalid JSON at line 1, column 9: ")


def test_load_json_input_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.json"
    with pytest.raises(AudioInputError) as excinfo:
        load_json_input(str(path), "audioform")
    assert excinfo.value.problems == [f"{path}: no such file"]


def test_load_json_input_directory(tmp_path: Path) -> None:
    with pytest.raises(AudioInputError) as excinfo:
        load_json_input(tmp_path, "audioform")
    assert excinfo.value.problems == [f"{tmp_path}: is a directory, not a .json file"]


def test_load_json_input_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes('{"a": "café"}'.encode("latin-1"))
    with pytest.raises(AudioInputError, match="not UTF-8 text"):
        load_json_input(path, "audioform")


@pytest.mark.parametrize(
    ("text", "kind"),
    [("[1, 2]", "a list"), ('["x"]', "a list")],
)
def test_load_json_input_text_not_an_object(text: str, kind: str) -> None:
    with pytest.raises(AudioInputError) as excinfo:
        load_json_input(text, "audioform")
    assert excinfo.value.problems == [f"JSON text: expected a JSON object, got {kind}"]


def test_load_json_input_file_not_an_object(tmp_path: Path) -> None:
    path = tmp_path / "scalar.json"
    path.write_text("42", encoding="utf-8")
    with pytest.raises(AudioInputError) as excinfo:
        load_json_input(path, "audioform")
    assert excinfo.value.problems == [f"{path}: expected a JSON object, got a number"]


def test_load_json_input_empty_text() -> None:
    with pytest.raises(AudioInputError) as excinfo:
        load_json_input("  ", "audioform")
    assert excinfo.value.problems == [
        "input: empty; expected an object, JSON text or the path of a .json file",
    ]


def test_load_json_input_wrong_type() -> None:
    with pytest.raises(AudioInputError) as excinfo:
        load_json_input(42, "audioform")
    assert excinfo.value.problems == [
        "input: expected an object, JSON text or the path of a .json file, got int",
    ]
    assert "invalid audioform (1 problem(s))" in str(excinfo.value)
