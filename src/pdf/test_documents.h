// For the pdf stage's tests: the smallest whole file around objects a test
// wrote itself, so that readers (PoDoFo, qpdf) take it.
#pragma once

#include <string>

#include "pdf/object_writer.h"

namespace p2p::test_documents {

// Writes an empty page tree at `tree`, a catalog at `catalog` and an info
// at `info` holding `title` ("" : an empty info), and finishes the file.
inline std::string finish_empty(ObjectWriter& pdf, int catalog, int info, int tree, const std::string& title = "") {
  pdf.begin(tree);
  pdf.open_dict().key("Type").name("Pages").key("Kids").open_array().close_array().key("Count").integer(0).close_dict();
  pdf.end();
  pdf.begin(catalog);
  pdf.open_dict().key("Type").name("Catalog").key("Pages").ref(tree).close_dict();
  pdf.end();
  pdf.begin(info);
  pdf.open_dict();
  if (!title.empty()) pdf.key("Title").text(title);
  pdf.close_dict();
  pdf.end();
  return pdf.finish(catalog, info);
}

}  // namespace p2p::test_documents
