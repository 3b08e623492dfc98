#!/usr/bin/env python3
"""Reads an XLSX file the way a spreadsheet does, with the standard
library only (zipfile + xml), for tests/api/exports*.test.mjs.

    exports-xlsx.py [--count] FILE  ->  JSON on stdout:
    {"sheets": [{"name": "项目", "frozen": {"ySplit": 1, ...} | null,
                 "cols": [{"min": 1, "max": 1, "width": 38.7}, ...],
                 "rows": [[cell, ...], ...]}]}

A cell is null (empty) or {"t": "s"|"n"|"b"|"e", "v": value,
"fmt": the number format code of its style or null}.  Sheets are in
workbook order; rows are dense (missing cells are null).  With --count,
"rows" is the number of rows of each sheet (streamed, for large files).
"""

import json
import re
import sys
import zipfile
import xml.etree.ElementTree as ET

NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}
BUILTIN_FORMATS = {0: "General", 1: "0", 2: "0.00", 3: "#,##0",
                   4: "#,##0.00", 14: "mm-dd-yy", 22: "m/d/yy h:mm"}


def col_index(ref):
    letters = re.match(r"[A-Z]+", ref).group(0)
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def text_of(el):
    return "".join(t.text or "" for t in el.iter("{%s}t" % NS["m"]))


def count_rows(z, target):
    n = 0
    with z.open(target) as f:
        for _, el in ET.iterparse(f):
            if el.tag == "{%s}row" % NS["m"]:
                n += 1
                el.clear()
    return n


def main(path, count=False):
    z = zipfile.ZipFile(path)
    assert z.testzip() is None, "corrupt member in the zip"
    wb = ET.fromstring(z.read("xl/workbook.xml"))
    rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target")
               for r in rels.findall("rel:Relationship", NS)}
    shared = []
    if "xl/sharedStrings.xml" in z.namelist():
        sst = ET.fromstring(z.read("xl/sharedStrings.xml"))
        shared = [text_of(si) for si in sst.findall("m:si", NS)]
    styles = ET.fromstring(z.read("xl/styles.xml"))
    fmts = dict(BUILTIN_FORMATS)
    for nf in styles.findall("m:numFmts/m:numFmt", NS):
        fmts[int(nf.get("numFmtId"))] = nf.get("formatCode")
    xfs = [int(xf.get("numFmtId", "0"))
           for xf in styles.findall("m:cellXfs/m:xf", NS)]

    out = {"sheets": []}
    for sh in wb.findall("m:sheets/m:sheet", NS):
        rid = sh.get("{%s}id" % NS["r"])
        target = targets[rid]
        target = target.lstrip("/")
        if not target.startswith("xl/"):
            target = "xl/" + target
        if count:
            out["sheets"].append({"name": sh.get("name"),
                                  "rows": count_rows(z, target)})
            continue
        ws = ET.fromstring(z.read(target))
        pane = ws.find("m:sheetViews/m:sheetView/m:pane", NS)
        frozen = None
        if pane is not None and pane.get("state") == "frozen":
            frozen = {"ySplit": float(pane.get("ySplit", "0")),
                      "xSplit": float(pane.get("xSplit", "0")),
                      "topLeftCell": pane.get("topLeftCell")}
        cols = [{"min": int(c.get("min")), "max": int(c.get("max")),
                 "width": float(c.get("width"))}
                for c in ws.findall("m:cols/m:col", NS)]
        rows = []
        for row in ws.findall("m:sheetData/m:row", NS):
            r = int(row.get("r")) - 1
            while len(rows) <= r:
                rows.append([])
            cells = rows[r]
            for c in row.findall("m:c", NS):
                i = col_index(c.get("r"))
                while len(cells) <= i:
                    cells.append(None)
                t = c.get("t", "n")
                fmt = fmts.get(xfs[int(c.get("s", "0"))]) \
                    if xfs else None
                v = c.find("m:v", NS)
                if t == "inlineStr":
                    cells[i] = {"t": "s", "v": text_of(c.find("m:is", NS)),
                                "fmt": fmt}
                elif t == "s":
                    cells[i] = {"t": "s", "v": shared[int(v.text)],
                                "fmt": fmt}
                elif t == "str":
                    cells[i] = {"t": "s", "v": v.text or "", "fmt": fmt}
                elif v is None:
                    cells[i] = None
                elif t == "n":
                    cells[i] = {"t": "n", "v": float(v.text), "fmt": fmt}
                else:
                    cells[i] = {"t": t, "v": v.text, "fmt": fmt}
        out["sheets"].append({"name": sh.get("name"), "frozen": frozen,
                              "cols": cols, "rows": rows})
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    if sys.argv[1] == "--count":
        main(sys.argv[2], True)
    else:
        main(sys.argv[1])
